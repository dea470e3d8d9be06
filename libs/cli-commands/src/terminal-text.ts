import { replaceControls } from '@cairn/contracts';

// Characters that change how a terminal shows what follows without being control
// characters: tab (moves text over other text) and the bidirectional overrides and
// isolates (reorder a line: "Trojan Source").
const LAYOUT = /[\t\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * A string from outside (a token claim, the gateway's or the identity provider's text)
 * fit for one line of a terminal: every control character (C0, DEL, C1: escape
 * sequences), tab, bidirectional control and unpaired surrogate becomes U+FFFD.
 */
export function terminalText(value: string): string {
  return replaceControls(value).replace(LAYOUT, '\uFFFD');
}
