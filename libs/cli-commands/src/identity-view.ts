import pc from 'picocolors';
import type { pb } from '@cairn/contracts';
import type { DeviceAuthorization } from './oidc-client';
import { terminalText } from './terminal-text';

/** `cairn whoami`: who the gateway takes the caller for, every value made safe for a terminal. */
export function renderWhoAmI(who: pb.WhoAmIResponse): string {
  const accounts = who.accounts.map((account) => (account === who.defaultAccount ? `${terminalText(account)} (default)` : terminalText(account)));
  const rows: string[][] = [
    ['name', terminalText(who.name)],
    ['identity', `${terminalText(who.subject)} at ${terminalText(who.issuer)}`],
    ['POSIX user', terminalText(who.posixUser)],
    ['accounts', accounts.join(', ') || pc.dim('none')],
    ['roles', who.roles.map(terminalText).join(', ') || pc.dim('none')],
    ['projects', who.projects.map(terminalText).join(', ') || pc.dim('none')],
  ];
  const width = Math.max(...rows.map(([label]) => label?.length ?? 0));
  return rows.map(([label = '', value = '']) => `${pc.dim(label.padEnd(width))}  ${value}\n`).join('');
}

/** The same as JSON (JSON escapes every control character itself). */
export function whoAmIJson(who: pb.WhoAmIResponse): string {
  const { issuer, subject, name, posixUser, accounts, defaultAccount, roles, projects } = who;
  return `${JSON.stringify({ issuer, subject, name, posixUser, accounts, defaultAccount, roles, projects }, null, 2)}\n`;
}

/** What a person does to finish `cairn login` on any device with a browser (RFC 8628 section 3.3). */
export function renderDeviceInstructions(authorization: DeviceAuthorization): string {
  const minutes = Math.max(1, Math.round(authorization.expiresIn / 60));
  const lines = [
    'To log in, open this page in a browser on any device:',
    `  ${pc.bold(terminalText(authorization.verificationUri))}`,
    `and enter the code:  ${pc.bold(terminalText(authorization.userCode))}`,
  ];
  if (authorization.verificationUriComplete !== undefined) {
    lines.push(`(or open ${terminalText(authorization.verificationUriComplete)} , which fills in the code)`);
  }
  lines.push(`Waiting for you to confirm there (the code expires in ${minutes} minute${minutes === 1 ? '' : 's'}; Ctrl-C to give up)...`);
  return `${lines.join('\n')}\n`;
}
