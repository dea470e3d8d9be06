import { progressBar } from './progress-bar';

// eslint-disable-next-line no-control-regex -- strips ANSI colour codes
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

describe('progressBar', () => {
  it.each([
    [0, 10, 0, '░░░░░░░░░░'],
    [5, 10, 0, '█████░░░░░'],
    [10, 10, 0, '██████████'],
    [1, 3, 0, '███▎░░░░░░'],
    [1, 1000, 0, '▏░░░░░░░░░'],
    [3, 10, 2, '███▓▓░░░░░'],
    [0, 1000, 1, '▓░░░░░░░░░'],
    [999, 1000, 1, '█████████▓'],
    [12, 10, 0, '██████████'],
  ])('%d done of %d with %d failed is %s', (done, total, failed, bar) => {
    const drawn = plain(progressBar(done, total, 10, failed));
    expect(drawn).toBe(bar);
    expect([...drawn]).toHaveLength(10);
  });

  it('keeps the width for every count', () => {
    for (let done = 0; done <= 37; done += 1) {
      for (const failed of [0, 1, 5]) expect([...plain(progressBar(done, 37, 13, failed))]).toHaveLength(13);
    }
  });

  it('draws an empty bar when the total is not known yet', () => {
    expect(plain(progressBar(0, 0, 6))).toBe('░░░░░░');
    expect(plain(progressBar(0, 0, 0))).toBe('');
  });
});
