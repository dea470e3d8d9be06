import { parseServe } from './settings';

const REQUIRED = ['serve', '--issuer', 'iss', '--service', 'svc', '--key', '/k.pem', '--cert', '/c.pem', '--user', 'cairn-dev', '--password-file', '/p'];

describe('parseServe', () => {
  it('reads the settings with their defaults', () => {
    expect(parseServe(REQUIRED)).toEqual({ host: '127.0.0.1', port: 5003, issuer: 'iss', service: 'svc', keyFile: '/k.pem', certFile: '/c.pem', user: 'cairn-dev', passwordFile: '/p', ttlSeconds: 300 });
    expect(parseServe([...REQUIRED, '--port', '0', '--ttl', '86400'])).toMatchObject({ port: 0, ttlSeconds: 86400 });
  });

  it('refuses a missing setting, an unknown option, bad numbers and names, naming them', () => {
    expect(() => parseServe(['serve'])).toThrow('--issuer is required');
    expect(() => parseServe(['run'])).toThrow('unknown command "run"');
    expect(() => parseServe([...REQUIRED, '--nope', 'x'])).toThrow(/nope/);
    expect(() => parseServe([...REQUIRED, '--port', '65536'])).toThrow('--port takes a whole number from 0 to 65535');
    expect(() => parseServe([...REQUIRED, '--ttl', '86401'])).toThrow('--ttl takes a whole number from 1 to 86400');
    expect(() => parseServe([...REQUIRED, '--user', 'a b'])).toThrow('--user takes');
  });
});
