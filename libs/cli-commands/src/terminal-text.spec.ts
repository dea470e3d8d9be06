import fc from 'fast-check';
import { terminalText } from './terminal-text';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('terminalText', () => {
  it('leaves no control, tab, bidirectional control or lone surrogate in any string, and keeps the rest', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (value) => {
        const shown = terminalText(value);
        expect(UNSAFE.test(shown)).toBe(false);
        expect(shown.length).toBe(value.length);
      }),
      { numRuns: 1000 },
    );
    expect(terminalText('alice \u001b[2J\u202Eevil\tx\u0085')).toBe('alice \uFFFD[2J\uFFFDevil\uFFFDx\uFFFD');
    expect(terminalText('ünïcode 名前 ok')).toBe('ünïcode 名前 ok');
  });
});
