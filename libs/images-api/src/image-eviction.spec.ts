import { CairnError, type Principal } from '@cairn/contracts';
import { type AuditEvent, AuditSink } from '@cairn/grpc-server';
import { createLogger } from '@cairn/logging';
import { errorCode } from '@cairn/testing';
import { evictImage } from './image-eviction';

const DIGEST = `sha256:${'e'.repeat(64)}`;
const alice: Principal = { issuer: 'https://idp', subject: 'a', name: 'alice', posixUser: 'alice', accounts: ['alice-lab'], roles: ['user'], projects: [] };
const admin: Principal = { ...alice, subject: 'r', name: 'root-admin', posixUser: 'radmin', roles: ['user', 'admin'] };
const known = { defaultSite: 'hpc1', sites: ['hpc1', 'hpc2'] };
const logger = createLogger('test', 'silent');

class MemoryAudit extends AuditSink {
  readonly events: AuditEvent[] = [];
  override record(event: AuditEvent): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }
}

describe('EvictImage', () => {
  it("refuses anyone but an admin before the images service is asked, and audits the refusal with who asked", async () => {
    const audit = new MemoryAudit();
    const asked: unknown[] = [];
    const images = { evict: (command: unknown) => (asked.push(command), Promise.resolve({ freedBytes: 1 })) };
    expect(await errorCode(evictImage(images, audit, logger, { site: '', digest: DIGEST }, known, { caller: alice, peer: 'ipv4:1.2.3.4:5' }))).toBe('PERMISSION_DENIED');
    expect(asked).toEqual([]);
    expect(audit.events).toEqual([
      expect.objectContaining({ rpc: '/cairn.v1.ImageService/EvictImage', ids: [DIGEST, 'hpc1'], peer: 'ipv4:1.2.3.4:5', outcome: 'PERMISSION_DENIED', name: 'alice', posixUser: 'alice', subject: 'a', issuer: 'https://idp' }),
    ]);
  });

  it("passes an admin's eviction on with the caller and audits its outcome, OK or the service's refusal", async () => {
    const audit = new MemoryAudit();
    const asked: unknown[] = [];
    let answer: () => Promise<{ freedBytes: number }> = () => Promise.resolve({ freedBytes: 4096 });
    const images = { evict: (command: unknown) => (asked.push(command), answer()) };
    const who = { caller: admin, peer: 'ipv4:1.2.3.4:5' };
    expect(await evictImage(images, audit, logger, { site: 'hpc2', digest: DIGEST }, known, who)).toEqual({ freedBytes: 4096 });
    expect(asked).toEqual([{ site: 'hpc2', digest: DIGEST, caller: admin, peer: 'ipv4:1.2.3.4:5', rpc: '/cairn.v1.ImageService/EvictImage' }]);
    answer = () => Promise.reject(new CairnError('FAILED_PRECONDITION', 'a live run needs it'));
    expect(await errorCode(evictImage(images, audit, logger, { site: 'hpc2', digest: DIGEST }, known, who))).toBe('FAILED_PRECONDITION');
    expect(audit.events.map((e) => [e.outcome, e.name, e.ids])).toEqual([
      ['OK', 'root-admin', [DIGEST, 'hpc2']],
      ['FAILED_PRECONDITION', 'root-admin', [DIGEST, 'hpc2']],
    ]);
  });

  it('refuses a malformed digest or site (INVALID_ARGUMENT) before anything else', async () => {
    const audit = new MemoryAudit();
    const images = { evict: () => Promise.resolve({ freedBytes: 0 }) };
    expect(await errorCode(evictImage(images, audit, logger, { site: '', digest: 'latest' }, known, { caller: admin, peer: 'p' }))).toBe('INVALID_ARGUMENT');
    expect(await errorCode(evictImage(images, audit, logger, { site: 'Bad Site', digest: DIGEST }, known, { caller: alice, peer: 'p' }))).toBe('INVALID_ARGUMENT');
    expect(audit.events).toEqual([]);
  });
});
