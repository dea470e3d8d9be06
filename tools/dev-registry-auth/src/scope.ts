/**
 * Scopes of the distribution token spec (`type:name:actions`, e.g.
 * `repository:lab/busybox:pull,push`) and what the dev token server grants for them.
 */
export interface ResourceScope {
  type: string;
  name: string;
  actions: string[];
}

/** At most this many scopes per request, each at most this long (a larger request is refused). */
export const MAX_SCOPES = 16;
export const MAX_SCOPE_LENGTH = 512;

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const ACTION = /^(?:[a-z]{1,32}|\*)$/;
const TYPE = /^[a-z]{1,32}$/;

/** The actions the dev user may have on a repository; nobody gets anything else. */
export const GRANTABLE_ACTIONS: readonly string[] = ['pull', 'push'];

/** Parses one scope, or undefined when it is malformed (the caller names it in its refusal). */
export function parseScope(text: string): ResourceScope | undefined {
  if (text.length === 0 || text.length > MAX_SCOPE_LENGTH) return undefined;
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const type = text.slice(0, first);
  const name = text.slice(first + 1, last);
  const actions = text.slice(last + 1).split(',');
  if (!TYPE.test(type) || !actions.every((a) => ACTION.test(a))) return undefined;
  if (type === 'repository' && (name.length > 255 || !REPOSITORY.test(name))) return undefined;
  if (type !== 'repository' && !/^[A-Za-z0-9._/-]{1,255}$/.test(name)) return undefined;
  return { type, name, actions: [...new Set(actions)] };
}

/**
 * Splits the `scope` query parameters (each may hold several, space-separated) and parses
 * them; throws naming the first malformed one.
 */
export function parseScopes(params: string[]): ResourceScope[] {
  const texts = params.flatMap((p) => p.split(' ')).filter((t) => t.length > 0);
  if (texts.length > MAX_SCOPES) throw new Error(`at most ${MAX_SCOPES} scopes per request, not ${texts.length}`);
  return texts.map((text) => {
    const scope = parseScope(text);
    if (!scope) throw new Error(`malformed scope ${JSON.stringify(text.slice(0, 80))} (want repository:<name>:<action>[,<action>])`);
    return scope;
  });
}

/**
 * What a request gets: the dev user pull and push (those it asked for) on repositories;
 * an anonymous request nothing at all.
 */
export function grant(scopes: ResourceScope[], authenticated: boolean): ResourceScope[] {
  if (!authenticated) return [];
  return scopes
    .filter((s) => s.type === 'repository')
    .map((s) => ({ ...s, actions: s.actions.filter((a) => GRANTABLE_ACTIONS.includes(a)) }))
    .filter((s) => s.actions.length > 0);
}
