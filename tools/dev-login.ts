// `npm run up` logs in as one of the dev cluster's people without anyone at a browser:
//   node -r tools/register.js tools/dev-login.ts <alice|bob|carol> <the dev IdP's passwords.json>
// It runs the real `cairn login` (whose instructions it shows: what a person would do), plays
// the person at the dev IdP's pages (enter the code, confirm, sign in with the password from
// the dev IdP's 0600 passwords file) and ends with `cairn login`'s exit code.
// Only for the dev IdP: a real campus login is `cairn login` and a browser.
import { readFileSync } from 'node:fs';
import { type CliStream, runCli } from '@cairn/cli-commands';
import { approveDeviceCode } from '@cairn/testing';

const PEOPLE = ['alice', 'bob', 'carol'];
const INSTRUCTIONS = /open this page in a browser on any device:\n {2}(\S+)\nand enter the code: {2}(\S+)\n/;

/** process.stdout, watched for the login's instructions (once). */
class WatchedStdout implements CliStream {
  private seen = '';
  private found = false;
  readonly isTTY = false;
  constructor(private readonly onInstructions: (verificationUri: string, userCode: string) => void) {}

  write(text: string): boolean {
    process.stdout.write(text);
    if (this.found) return true;
    this.seen += text;
    const match = INSTRUCTIONS.exec(this.seen);
    if (match) {
      this.found = true;
      this.onInstructions(match[1] ?? '', match[2] ?? '');
    }
    return true;
  }

  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): this {
    process.stdout.on(event, listener);
    return this;
  }
}

async function main(): Promise<number> {
  const [person = '', passwordsFile = ''] = process.argv.slice(2);
  if (!PEOPLE.includes(person) || passwordsFile === '') {
    process.stderr.write(`usage: dev-login.ts <${PEOPLE.join('|')}> <the dev IdP's passwords.json>\n`);
    return 2;
  }
  const password = (JSON.parse(readFileSync(passwordsFile, 'utf8')) as Record<string, unknown>)[person];
  if (typeof password !== 'string') {
    process.stderr.write(`dev-login: ${passwordsFile} has no password for ${person}\n`);
    return 1;
  }
  let approving: Promise<void> = Promise.resolve();
  const stdout = new WatchedStdout((verificationUri, userCode) => {
    process.stdout.write(`(dev-login: doing that for ${person} at the dev IdP's pages)\n`);
    approving = approveDeviceCode(verificationUri, person, password, userCode).catch((error: unknown) => {
      process.stderr.write(`dev-login: the dev IdP refused ${person}'s sign-in: ${(error as Error).message}\n`);
      process.kill(process.pid, 'SIGINT');
    });
  });
  const code = await runCli(['login'], { stdout, stderr: process.stderr });
  await approving;
  return code;
}

void main().then((code) => {
  process.exitCode = code;
});
