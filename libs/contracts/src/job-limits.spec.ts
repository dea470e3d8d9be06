import fc from 'fast-check';
import { JOB_LIMITS, type JobSpec, jobSpecSchema, jobTextBytes } from './job-spec';
import { MAX_ROWS_REPLY_BYTES, submitAttemptCommand } from './messages';

const base: JobSpec = {
  name: 'j',
  image: 'lab/busybox:1.36',
  command: ['/bin/echo'],
  env: {},
  resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 },
  site: 'dev',
};
const NATS_MAX_PAYLOAD = 1024 * 1024;

/** A spec whose command, env and items use exactly `total` bytes, split by the fractions given. */
function specOf(total: number, char: string, shares: [number, number]): JobSpec {
  const argBytes = Math.floor(total * shares[0]);
  const envBytes = Math.floor(total * shares[1]);
  const command = ['/bin/echo'];
  let left = argBytes - '/bin/echo'.length;
  while (left > 0) {
    const n = Math.min(JOB_LIMITS.maxArgBytes, left);
    command.push(char.repeat(n));
    left -= n;
  }
  const env: Record<string, string> = {};
  left = envBytes;
  for (let i = 0; left > 0 && i < JOB_LIMITS.maxEnv; i += 1) {
    const name = `V${String(i).padStart(3, '0')}`;
    const n = Math.min(JOB_LIMITS.maxArgBytes, Math.max(0, left - name.length));
    env[name] = char.repeat(n);
    left -= name.length + n;
  }
  const items: string[] = [];
  left = total - jobTextBytes({ command, env });
  while (left > 0) {
    const n = Math.min(JOB_LIMITS.maxArgBytes, left);
    items.push(char.repeat(n));
    left -= n;
  }
  return { ...base, command, env, ...(items.length > 0 ? { array: { items, itemsPerElement: Math.ceil(items.length / 1000) || 1, indices: items.map((_, i) => 9_999_999 - i) } } : {}) };
}

describe('the job size budget (JOB_LIMITS.maxTotalBytes)', () => {
  it('accepts command, env and items at exactly the budget, in any split, and refuses one byte more with a clear message', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.4, noNaN: true }), fc.double({ min: 0, max: 0.3, noNaN: true }), (a, e) => {
        const spec = specOf(JOB_LIMITS.maxTotalBytes, 'x', [a, e]);
        expect(jobTextBytes(spec)).toBe(JOB_LIMITS.maxTotalBytes);
        expect(jobSpecSchema.safeParse(spec).success).toBe(true);
        // One more byte: a longer last argument, or one more argument when the last is full.
        const last = spec.command.at(-1) ?? '';
        const over = last.length < JOB_LIMITS.maxArgBytes ? { ...spec, command: [...spec.command.slice(0, -1), `${last}x`] } : { ...spec, command: [...spec.command, 'x'] };
        const result = jobSpecSchema.safeParse(over);
        expect(result.success).toBe(false);
        expect(result.error?.issues.map((i) => i.message).join('\n')).toContain(`together are ${JOB_LIMITS.maxTotalBytes + 1} bytes; at most ${JOB_LIMITS.maxTotalBytes}`);
      }),
      { numRuns: 30 },
    );
  });

  // JSON escapes '"', '\\' and tab to two bytes (the worst case); other text keeps its UTF-8 bytes.
  it.each(['x', '"', '\\', '\t'])('keeps a spec at the budget of %j inside one list-page reply and one dispatch message', (char) => {
    for (const shares of [[0.5, 0.5], [0, 0], [0.25, 0.25]] as [number, number][]) {
      const spec = specOf(JOB_LIMITS.maxTotalBytes, char, shares);
      expect(jobSpecSchema.safeParse(spec).success).toBe(true);
      const record = { jobId: '00000000-0000-4000-8000-000000000000', spec, imageDigest: 'x'.repeat(300), state: 'ACCEPTED', exitCode: null, slurmJobId: '', reason: 'r'.repeat(1100), attemptId: '00000000-0000-4000-8000-000000000000', createTime: '', updateTime: '' };
      expect(Buffer.byteLength(JSON.stringify({ ok: true, data: { jobs: [record], nextPageToken: 't'.repeat(200) } }))).toBeLessThan(MAX_ROWS_REPLY_BYTES);
      const command = {
        attemptId: '00000000-0000-4000-8000-000000000000',
        jobId: '00000000-0000-4000-8000-000000000000',
        spec,
        image: { reference: spec.image, pinned: `127.0.0.1:5000/lab/busybox@sha256:${'a'.repeat(64)}`, digest: `sha256:${'a'.repeat(64)}` },
        ...(spec.array ? { array: spec.array } : {}),
      };
      expect(submitAttemptCommand.safeParse(command).success).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(command))).toBeLessThan(NATS_MAX_PAYLOAD - 64 * 1024);
    }
  });
});
