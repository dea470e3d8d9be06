/** One challenge of a WWW-Authenticate header (RFC 7235), as registries send them. */
export interface AuthChallenge {
  /** Lower case: "bearer", "basic". */
  scheme: string;
  /** Parameter names in lower case (realm, service, scope, error). */
  params: Record<string, string>;
}

/** Longest WWW-Authenticate header read; anything longer is refused as no challenge. */
export const MAX_CHALLENGE_CHARS = 8192;

/**
 * The challenges of a WWW-Authenticate header, e.g.
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"`.
 * Quoted values may hold commas and backslash escapes; unparsable text ends the parse (what
 * was read so far is kept).
 */
export function parseAuthChallenges(header: string | null): AuthChallenge[] {
  if (!header || header.length > MAX_CHALLENGE_CHARS) return [];
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const skip = (chars: string) => {
    while (i < header.length && chars.includes(header.charAt(i))) i++;
  };
  const token = () => {
    const start = i;
    while (i < header.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(header.charAt(i))) i++;
    return header.slice(start, i);
  };
  while (i < header.length) {
    skip(' \t,');
    const scheme = token();
    if (!scheme) break;
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      skip(' \t');
      const mark = i;
      const name = token();
      skip(' \t');
      if (!name || header[i] !== '=') {
        // Not a parameter: the next challenge's scheme (or the end).
        i = mark;
        break;
      }
      i++;
      skip(' \t');
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < header.length) i++;
          value += header[i++];
        }
        i++;
      } else {
        value = token();
      }
      challenge.params[name.toLowerCase()] = value;
      skip(' \t');
      if (header[i] !== ',') break;
      i++;
      // A comma may also separate challenges: look ahead for "name =".
      skip(' \t');
      const ahead = i;
      token();
      skip(' \t');
      const isParam = header[i] === '=';
      i = ahead;
      if (!isParam) break;
    }
  }
  return challenges;
}
