import fc from 'fast-check';
import { pb } from '@cairn/contracts';
import { decodeSubmitJobRequest } from './job-service.definition';

const request = (env: Record<string, string>): pb.SubmitJobRequest => ({
  spec: { name: 'j', image: 'lab/busybox:1.36', command: ['/bin/env'], env, site: '', resources: undefined, array: undefined },
  requestId: 'r-1',
  account: '',
});

describe('decodeSubmitJobRequest', () => {
  it('keeps every env name, "__proto__" included, as own keys of a null-prototype object', () => {
    const env = JSON.parse('{"__proto__": "p", "constructor": "c", "toString": "t", "PATH": "/bin"}') as Record<string, string>;
    const decoded = decodeSubmitJobRequest(pb.SubmitJobRequest.encode(request(env)).finish());
    expect(Object.getPrototypeOf(decoded.spec?.env)).toBeNull();
    expect(Object.entries(decoded.spec?.env ?? {})).toEqual([['__proto__', 'p'], ['constructor', 'c'], ['toString', 't'], ['PATH', '/bin']]);
    // The generated decoder alone loses it.
    expect(Object.keys(pb.SubmitJobRequest.decode(pb.SubmitJobRequest.encode(request(env)).finish()).spec?.env ?? {})).not.toContain('__proto__');
  });

  it('decodes everything else as the generated decoder does', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 10 }).filter((k) => k !== '__proto__'), fc.string({ maxLength: 10 }), { maxKeys: 5 }), fc.array(fc.string(), { maxLength: 4 }), (env, command) => {
        const message = request(env);
        if (message.spec) message.spec.command = command;
        const bytes = pb.SubmitJobRequest.encode(message).finish();
        const mine = decodeSubmitJobRequest(bytes);
        const generated = pb.SubmitJobRequest.decode(bytes);
        expect({ ...mine, spec: { ...mine.spec, env: { ...mine.spec?.env } } }).toEqual({ ...generated, spec: { ...generated.spec, env: { ...generated.spec?.env } } });
      }),
      { numRuns: 300 },
    );
  });

  it('leaves a request without a spec without one', () => {
    expect(decodeSubmitJobRequest(pb.SubmitJobRequest.encode({ spec: undefined, requestId: 'x', account: '' }).finish())).toEqual({ spec: undefined, requestId: 'x', account: '' });
  });
});
