import { CairnError } from './errors';

/**
 * Image references the way researchers write them, by Docker's grammar
 * (distribution/reference; docs/images.md, "References"):
 *
 *     reference  := [ "docker://" ] name [ ":" tag ] [ "@" digest ]
 *     name       := [ registry "/" ] path-component ( "/" path-component )*
 *     registry   := host [ ":" port ]          host: dot-separated labels, or [IPv6]
 *     label      := [A-Za-z0-9] ( [A-Za-z0-9-]* [A-Za-z0-9] )?
 *     path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *     tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *     digest     := "sha256:" 64 lower-case hex digits
 *
 * The first component names a registry when it has a "." or a ":", is "localhost", or has
 * an upper-case letter; otherwise the reference is on the registry for unqualified names,
 * where (on docker.io) a one-part name gets "library/". No tag and no digest means ":latest".
 */
export interface ImageReference {
  /** host[:port], e.g. "docker.io" or "127.0.0.1:5000". */
  registry: string;
  /** Path inside the registry, e.g. "library/python". */
  repository: string;
  tag?: string;
  digest?: string;
  /** registry/repository[:tag][@digest], fully qualified: "docker.io/library/python:3.12". */
  canonical: string;
}

export interface ImageReferenceOptions {
  /** Registry (host[:port]) for references that name none, e.g. "docker.io" (CAIRN_REGISTRY). */
  unqualifiedRegistry: string;
}

/** Longest reference accepted, as written (Docker limits the name to 255; Cairn the whole). */
export const MAX_IMAGE_REFERENCE_CHARS = 255;
export const DOCKER_HUB = 'docker.io';
const DOCKER_PREFIX = 'docker://';

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
const HEX64 = /^[a-f0-9]{64}$/;
const IPV6 = /^\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]$/;

/** The part of a reference that is wrong and why; `parseImageReference` throws it as INVALID_ARGUMENT. */
export class ImageReferenceError extends CairnError {
  constructor(
    /** What is wrong, without a prefix: `tag "x y": ...`. */
    readonly problem: string,
  ) {
    super('INVALID_ARGUMENT', `invalid image reference: ${problem}`);
  }
}

/** What is wrong with `text` as an image reference, or undefined when it is one. */
export function imageReferenceProblem(text: string): string | undefined {
  try {
    parseImageReference(text, { unqualifiedRegistry: DOCKER_HUB });
    return undefined;
  } catch (error) {
    if (error instanceof ImageReferenceError) return error.problem;
    throw error;
  }
}

/**
 * Splits and checks a reference; throws ImageReferenceError (CairnError INVALID_ARGUMENT)
 * naming the part that is wrong. Never echoes a character it refuses as such.
 */
export function parseImageReference(text: string, options: ImageReferenceOptions): ImageReference {
  if (typeof text !== 'string') throw new ImageReferenceError('must be text');
  if (text.length === 0) throw new ImageReferenceError('is empty');
  if (text.length > MAX_IMAGE_REFERENCE_CHARS) {
    throw new ImageReferenceError(`is ${text.length} characters long; at most ${MAX_IMAGE_REFERENCE_CHARS}`);
  }
  const bad = badCharacter(text);
  if (bad) throw new ImageReferenceError(`contains ${bad}`);
  let rest = text.startsWith(DOCKER_PREFIX) ? text.slice(DOCKER_PREFIX.length) : text;
  if (rest.length === 0) throw new ImageReferenceError(`is empty after "${DOCKER_PREFIX}"`);
  if (rest.includes('://')) throw new ImageReferenceError(`only the "${DOCKER_PREFIX}" transport may prefix a reference`);

  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = checkDigest(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = checkTag(rest.slice(colon + 1));
    rest = rest.slice(0, colon);
  }
  if (rest.length === 0) throw new ImageReferenceError('names no repository');

  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let registry: string;
  let path: string;
  if (slash >= 0 && isRegistryLike(first)) {
    registry = checkRegistry(first, 'registry');
    path = rest.slice(slash + 1);
  } else {
    registry = checkRegistry(options.unqualifiedRegistry, 'registry for unqualified names');
    path = rest;
  }
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  const components = checkPath(path);
  if (registry === DOCKER_HUB && components.length === 1) components.unshift('library');
  const repository = components.join('/');
  if (!digest && !tag) tag = 'latest';
  const canonical = `${registry}/${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}), canonical };
}

/** registry/repository@digest: what a job runs. */
export function pinnedImageReference(ref: Pick<ImageReference, 'registry' | 'repository'>, digest: string): string {
  return `${ref.registry}/${ref.repository}@${digest}`;
}

function isRegistryLike(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

function checkRegistry(registry: string, what: string): string {
  if (registry.length === 0) throw new ImageReferenceError(`${what} is empty`);
  let host = registry;
  let port: string | undefined;
  const portColon = registry.startsWith('[') ? registry.indexOf(':', registry.indexOf(']')) : registry.indexOf(':');
  if (portColon >= 0) {
    host = registry.slice(0, portColon);
    port = registry.slice(portColon + 1);
  }
  if (host.startsWith('[')) {
    if (!IPV6.test(host)) throw new ImageReferenceError(`${what} host ${quote(host)}: not an IPv6 address in brackets`);
  } else {
    if (host.length === 0) throw new ImageReferenceError(`${what} ${quote(registry)} has an empty host`);
    for (const label of host.split('.')) {
      if (!LABEL.test(label)) {
        throw new ImageReferenceError(
          `${what} host ${quote(host)}: each dot-separated part must be letters, digits and "-", neither empty nor starting or ending with "-"`,
        );
      }
    }
  }
  if (port !== undefined) {
    const value = /^[0-9]{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(value >= 1 && value <= 65535)) throw new ImageReferenceError(`${what} port ${quote(port)}: must be a number from 1 to 65535`);
  }
  return registry;
}

function checkPath(path: string): string[] {
  const components = path.split('/');
  components.forEach((component, i) => {
    const where = `repository path component ${i + 1} ${quote(component)}`;
    if (component.length === 0) throw new ImageReferenceError(`${where} is empty (a leading, trailing or doubled "/")`);
    if (component !== component.toLowerCase() && PATH_COMPONENT.test(component.toLowerCase())) {
      throw new ImageReferenceError(`${where}: repository names must be lower case`);
    }
    if (!PATH_COMPONENT.test(component)) {
      throw new ImageReferenceError(`${where}: must be lower-case letters and digits, separated by ".", "_", "__" or "-"`);
    }
  });
  const only = components.length === 1 ? components[0] : undefined;
  if (only !== undefined && HEX64.test(only)) {
    throw new ImageReferenceError(`repository ${quote(only)}: 64 hex digits name an image id, not a repository`);
  }
  return components;
}

function checkTag(tag: string): string {
  if (tag.length === 0) throw new ImageReferenceError('tag is empty (nothing after ":")');
  if (!TAG.test(tag)) {
    throw new ImageReferenceError(
      `tag ${quote(tag)}: must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`,
    );
  }
  return tag;
}

function checkDigest(digest: string): string {
  const colon = digest.indexOf(':');
  if (digest.length === 0) throw new ImageReferenceError('digest is empty (nothing after "@")');
  if (colon < 0) throw new ImageReferenceError(`digest ${quote(digest)}: must be "sha256:" and 64 hex digits`);
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (!ALGORITHM.test(algorithm)) throw new ImageReferenceError(`digest algorithm ${quote(algorithm)}: not an algorithm name`);
  if (algorithm !== 'sha256') throw new ImageReferenceError(`digest algorithm ${quote(algorithm)}: Cairn accepts sha256 only`);
  if (!HEX64.test(hex)) {
    throw new ImageReferenceError(`digest hex ${quote(hex)}: sha256 needs exactly 64 lower-case hex digits (0-9, a-f)`);
  }
  return digest;
}

/** Whitespace, control characters and unpaired surrogates, named (never echoed). */
function badCharacter(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const at = ` at character ${i + 1}`;
    if (code === 0x20) return `a space${at}`;
    if (code === 0x09) return `a tab${at}`;
    if (code === 0x0a) return `a newline${at}`;
    if (code === 0x0d) return `a carriage return${at}`;
    if (code === 0x00) return `a NUL byte${at}`;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `control character U+${hex4(code)}${at}`;
    if (/\s/.test(text.charAt(i))) return `white space U+${hex4(code)}${at}`;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `an unpaired surrogate U+${hex4(code)}${at}`;
    }
    if (code >= 0xdc00 && code <= 0xdfff) return `an unpaired surrogate U+${hex4(code)}${at}`;
  }
  return undefined;
}

/** A part quoted for a message; parts only ever hold characters badCharacter let through. */
function quote(part: string): string {
  return JSON.stringify(part.length > 80 ? `${part.slice(0, 77)}...` : part);
}

const hex4 = (code: number) => code.toString(16).padStart(4, '0').toUpperCase();
