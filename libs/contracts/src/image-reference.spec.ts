import fc from 'fast-check';
import { CairnError } from './errors';
import { ImageReferenceError, imageReferenceProblem, parseImageReference } from './image-reference';
import { describeControl, imageReference } from './validation';

const HEX = 'f'.repeat(64);
const hub = { unqualifiedRegistry: 'docker.io' };
const local = { unqualifiedRegistry: '127.0.0.1:5000' };

/** The CairnError a parse threw (fails the test if it parsed or threw anything else). */
function refusal(text: string, options = hub): CairnError {
  try {
    parseImageReference(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ImageReferenceError);
    return error as CairnError;
  }
  throw new Error(`"${text}" parsed`);
}

describe('parseImageReference: the forms researchers write', () => {
  it.each([
    ['python:3.12', hub, { registry: 'docker.io', repository: 'library/python', tag: '3.12' }],
    ['busybox', hub, { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['docker://busybox', hub, { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['jupyter/scipy-notebook', hub, { registry: 'docker.io', repository: 'jupyter/scipy-notebook', tag: 'latest' }],
    ['docker.io/busybox:1', hub, { registry: 'docker.io', repository: 'library/busybox', tag: '1' }],
    ['index.docker.io/library/busybox', hub, { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['lab/busybox:1.36', local, { registry: '127.0.0.1:5000', repository: 'lab/busybox', tag: '1.36' }],
    ['busybox', local, { registry: '127.0.0.1:5000', repository: 'busybox', tag: 'latest' }],
    ['127.0.0.1:5000/lab/busybox:1.36', hub, { registry: '127.0.0.1:5000', repository: 'lab/busybox', tag: '1.36' }],
    ['docker://127.0.0.1:5000/lab/busybox:1.36', hub, { registry: '127.0.0.1:5000', repository: 'lab/busybox', tag: '1.36' }],
    ['ghcr.io/org/model', hub, { registry: 'ghcr.io', repository: 'org/model', tag: 'latest' }],
    ['localhost/x:y', hub, { registry: 'localhost', repository: 'x', tag: 'y' }],
    ['localhost:5000/a__b/c--d.e_f', hub, { registry: 'localhost:5000', repository: 'a__b/c--d.e_f', tag: 'latest' }],
    ['Registry/x', hub, { registry: 'Registry', repository: 'x', tag: 'latest' }],
    ['[::1]:5000/x:1', hub, { registry: '[::1]:5000', repository: 'x', tag: '1' }],
    [`quay.io/a/b@sha256:${HEX}`, hub, { registry: 'quay.io', repository: 'a/b', digest: `sha256:${HEX}` }],
    [`quay.io/a/b:1@sha256:${HEX}`, hub, { registry: 'quay.io', repository: 'a/b', tag: '1', digest: `sha256:${HEX}` }],
    [`ubuntu@sha256:${HEX}`, hub, { registry: 'docker.io', repository: 'library/ubuntu', digest: `sha256:${HEX}` }],
  ])('%s', (text, options, expected: { registry: string; repository: string; tag?: string; digest?: string }) => {
    const ref = parseImageReference(text, options);
    expect(ref).toEqual({
      ...expected,
      canonical: `${expected.registry}/${expected.repository}${expected.tag ? `:${expected.tag}` : ''}${expected.digest ? `@${expected.digest}` : ''}`,
    });
  });

  it('accepts a reference of exactly 255 characters and refuses 256, naming the length', () => {
    const at255 = `r.io/${'a'.repeat(255 - 'r.io/'.length)}`;
    expect(parseImageReference(at255, hub).repository).toHaveLength(250);
    expect(refusal(`${at255}b`).message).toBe('invalid image reference: is 256 characters long; at most 255');
  });

  it('accepts a 128-character tag and refuses 129', () => {
    expect(parseImageReference(`x:${'t'.repeat(128)}`, hub).tag).toHaveLength(128);
    expect(refusal(`x:${'t'.repeat(129)}`).message).toMatch(/^invalid image reference: tag "t+\.\.\.": must be 1 to 128/);
  });
});

describe('parseImageReference: errors name the part that is wrong', () => {
  it.each([
    ['', 'is empty'],
    ['docker://', 'is empty after "docker://"'],
    ['https://ghcr.io/x', 'only the "docker://" transport may prefix a reference'],
    ['busybox;rm -rf /', 'contains a space at character 11'],
    ['busy\nbox', 'contains a newline at character 5'],
    ['busy\u0000box', 'contains a NUL byte at character 5'],
    ['busy\u0085box', 'contains control character U+0085 at character 5'],
    ['busy\u00a0box', 'contains white space U+00A0 at character 5'],
    ['busy\ud800box', 'contains an unpaired surrogate U+D800 at character 5'],
    ['bad_host.io/x', 'registry host "bad_host.io": each dot-separated part must be letters, digits and "-", neither empty nor starting or ending with "-"'],
    ['-host.io/x', 'registry host "-host.io": each dot-separated part must be letters, digits and "-", neither empty nor starting or ending with "-"'],
    ['host..io/x', 'registry host "host..io": each dot-separated part must be letters, digits and "-", neither empty nor starting or ending with "-"'],
    ['host:99999/x', 'registry port "99999": must be a number from 1 to 65535'],
    ['host:0/x', 'registry port "0": must be a number from 1 to 65535'],
    ['host:http/x', 'registry port "http": must be a number from 1 to 65535'],
    [':5000/x', 'registry ":5000" has an empty host'],
    ['[zz]:5000/x', 'registry host "[zz]": not an IPv6 address in brackets'],
    ['Busybox:latest', 'repository path component 1 "Busybox": repository names must be lower case'],
    ['lab/Busy_box', 'repository path component 2 "Busy_box": repository names must be lower case'],
    ['lab//busybox', 'repository path component 2 "" is empty (a leading, trailing or doubled "/")'],
    ['lab/busybox/', 'repository path component 3 "" is empty (a leading, trailing or doubled "/")'],
    ['lab/-busybox', 'repository path component 2 "-busybox": must be lower-case letters and digits, separated by ".", "_", "__" or "-"'],
    ['lab/busy___box', 'repository path component 2 "busy___box": must be lower-case letters and digits, separated by ".", "_", "__" or "-"'],
    ['lab/busy$box', 'repository path component 2 "busy$box": must be lower-case letters and digits, separated by ".", "_", "__" or "-"'],
    [HEX, `repository "${HEX}": 64 hex digits name an image id, not a repository`],
    ['busybox:', 'tag is empty (nothing after ":")'],
    ['busybox:.hidden', 'tag ".hidden": must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"'],
    ['busybox:a+b', 'tag "a+b": must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"'],
    [':1.36', 'names no repository'],
    ['busybox@', 'digest is empty (nothing after "@")'],
    ['busybox@latest', 'digest "latest": must be "sha256:" and 64 hex digits'],
    [`busybox@md5:${HEX}`, 'digest algorithm "md5": Cairn accepts sha256 only'],
    [`busybox@sha512:${HEX}${HEX}`, 'digest algorithm "sha512": Cairn accepts sha256 only'],
    [`busybox@1sha:${HEX}`, 'digest algorithm "1sha": not an algorithm name'],
    ['busybox@sha256:abc', 'digest hex "abc": sha256 needs exactly 64 lower-case hex digits (0-9, a-f)'],
    [`busybox@sha256:${HEX.toUpperCase()}`, `digest hex "${HEX.toUpperCase()}": sha256 needs exactly 64 lower-case hex digits (0-9, a-f)`],
  ])('%j', (text, problem) => {
    const error = refusal(text);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(`invalid image reference: ${problem}`);
  });

  it('refuses a registry for unqualified names that is not a registry', () => {
    expect(refusal('busybox', { unqualifiedRegistry: 'bad host' }).message).toMatch(/^invalid image reference: registry for unqualified names host "bad host"/);
  });

  it('gives the zod schema the same message, after "must be an image reference: "', () => {
    const result = imageReference.safeParse('lab/Busy_box:1');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      'must be an image reference: repository path component 2 "Busy_box": repository names must be lower case',
    ]);
    expect(imageReference.safeParse('').error?.issues.map((i) => i.message)).toEqual(['is required']);
    expect(imageReference.safeParse('a'.repeat(256)).error?.issues.map((i) => i.message)).toEqual(['is longer than 255 characters']);
    expect(imageReference.parse('docker://python:3.12')).toBe('docker://python:3.12');
  });
});

// --- the grammar, generated ---------------------------------------------------------------

const chars = (set: string, min: number, max: number) => fc.string({ unit: fc.constantFrom(...set), minLength: min, maxLength: max });
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const LETTERS = `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ`;
const alnum = chars(LOWER, 1, 6);
const separator = fc.constantFrom('.', '_', '__', '-', '--', '---');
const pathComponent = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 3 }))
  .map(([head, tail]) => head + tail.map(([s, a]) => s + a).join(''));
const label = fc
  .tuple(chars(LETTERS, 1, 1), chars(`${LETTERS}-`, 0, 8), chars(LETTERS, 1, 1))
  .map(([a, mid, b]) => (mid.length === 0 ? a : a + mid + b));
const port = fc.integer({ min: 1, max: 65535 }).map(String);
const registry = fc.oneof(
  fc.tuple(fc.array(label, { minLength: 2, maxLength: 4 }), fc.option(port)).map(([labels, p]) => labels.join('.') + (p ? `:${p}` : '')),
  fc.tuple(label, port).map(([l, p]) => `${l}:${p}`),
  fc.constantFrom('localhost', 'localhost:5000', '127.0.0.1:5000', '[::1]:5000'),
);
const tag = fc.tuple(chars(`${LETTERS}_`, 1, 1), chars(`${LETTERS}_.-`, 0, 127)).map(([a, b]) => a + b);
const digest = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `sha256:${Buffer.from(b).toString('hex')}`);

interface Written {
  text: string;
  registry?: string;
  path: string[];
  tag?: string;
  digest?: string;
}
const written: fc.Arbitrary<Written> = fc
  .record({
    prefix: fc.boolean(),
    registry: fc.option(registry, { nil: undefined }),
    path: fc.array(pathComponent, { minLength: 1, maxLength: 4 }),
    tag: fc.option(tag, { nil: undefined }),
    digest: fc.option(digest, { nil: undefined }),
  })
  // Without a registry, a first component with a "." (or "localhost") would be read as one.
  .filter((w) => w.registry !== undefined || w.path.length === 1 || !(w.path[0]?.includes('.') || w.path[0] === 'localhost'))
  .filter((w) => w.registry !== undefined || w.path.length > 1 || !/^[a-f0-9]{64}$/.test(w.path[0] ?? ''))
  .map((w) => ({
    ...w,
    text: `${w.prefix ? 'docker://' : ''}${w.registry ? `${w.registry}/` : ''}${w.path.join('/')}${w.tag ? `:${w.tag}` : ''}${w.digest ? `@${w.digest}` : ''}`,
  }))
  .filter((w) => w.text.length <= 255);

const unqualified = fc.constantFrom('docker.io', '127.0.0.1:5000', 'registry.example.org', 'localhost');

describe('parseImageReference over the grammar (fast-check)', () => {
  it('parses every generated reference into its parts, and its canonical form parses to itself', () => {
    fc.assert(
      fc.property(written, unqualified, (w, unqualifiedRegistry) => {
        const ref = parseImageReference(w.text, { unqualifiedRegistry });
        const expectedRegistry = w.registry ?? unqualifiedRegistry;
        expect(ref.registry).toBe(expectedRegistry);
        const path = expectedRegistry === 'docker.io' && w.path.length === 1 ? ['library', ...w.path] : w.path;
        expect(ref.repository).toBe(path.join('/'));
        expect(ref.tag).toBe(w.tag ?? (w.digest ? undefined : 'latest'));
        expect(ref.digest).toBe(w.digest);
        if (ref.canonical.length <= 255) {
          expect(parseImageReference(ref.canonical, { unqualifiedRegistry: 'elsewhere.example:1' })).toEqual(ref);
        }
        expect(imageReferenceProblem(w.text)).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  /** Every refusal is an ImageReferenceError naming a part, with no control character in its message. */
  function parsesOrNamesAPart(text: string): void {
    try {
      const ref = parseImageReference(text, hub);
      if (ref.canonical.length <= 255) expect(parseImageReference(ref.canonical, hub)).toEqual(ref);
    } catch (error) {
      expect(error).toBeInstanceOf(ImageReferenceError);
      const message = (error as Error).message;
      expect(message).toMatch(
        /^invalid image reference: (is empty|is \d+ characters long|contains |only the "docker:\/\/"|names no repository|registry |repository |tag |digest )/,
      );
      expect(describeControl(message)).toBeUndefined();
    }
  }

  it('refuses hostile strings with a message naming a part, and never throws anything else', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), parsesOrNamesAPart), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'aZ09./:@_-+$;`\'" \t\n\u0000\u200b[]'), maxLength: 80 }), parsesOrNamesAPart), {
      numRuns: 500,
    });
  });

  it('the zod schema never throws: it accepts what parses and refuses the rest with one message', () => {
    fc.assert(
      fc.property(fc.oneof(written.map((w) => w.text), fc.string({ unit: 'binary', maxLength: 300 })), (text) => {
        const result = imageReference.safeParse(text);
        expect(result.success).toBe(imageReferenceProblem(text) === undefined && text.length > 0 && text.length <= 255);
        if (!result.success) {
          expect(result.error.issues).toHaveLength(1);
          expect(result.error.issues[0]?.message).toMatch(/^(is required|is longer than 255 characters|must be an image reference: )/);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a valid reference with a hostile character inserted, or parses what it became', () => {
    const hostile = fc.constantFrom(' ', '\n', '\r', '\t', '\u0000', '\u007f', '\u0085', '\u2028', '\ud800', '$', ';', '`', '|', '&', '\\', '%', '?', '#', '*', '"', "'", 'É', '/', ':', '@', '//');
    fc.assert(
      fc.property(written, hostile, fc.nat(), (w, ch, at) => {
        const i = at % (w.text.length + 1);
        parsesOrNamesAPart(w.text.slice(0, i) + ch + w.text.slice(i));
      }),
      { numRuns: 500 },
    );
  });
});
