import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats } from '../src';
import { type NatsCredentials, startNats, type TestNats, testEnv } from '@cairn/testing';
import { agentNatsUser, NATS_SERVICES, serviceNatsUser, subjects } from '@cairn/contracts';
import { connect, ErrorCode as NatsErrorCode, type NatsConnection, NatsError } from 'nats';

const id = () => randomBytes(4).toString('hex');

/** How a connection attempt ended: 'connected', or the NATS error code it was refused with. */
async function tryConnect(url: string, ca: string | undefined, user?: string, pass?: string): Promise<string> {
  try {
    const nc = await connect({ servers: url, user, pass, reconnect: false, timeout: 5_000, ...(ca ? { tls: { caFile: ca } } : {}) });
    await nc.close();
    return 'connected';
  } catch (error) {
    return error instanceof NatsError ? error.code : String(error);
  }
}

/** Subscribes to `subject` and returns how the subscription ended within a flush: 'open' or the error code. */
async function trySubscribe(nc: NatsConnection, subject: string): Promise<string> {
  const sub = nc.subscribe(subject);
  const ended = (async () => {
    for await (const msg of sub) void msg;
    return 'ended';
  })().catch((error: unknown) => (error instanceof NatsError ? error.code : String(error)));
  await nc.flush();
  const result = await Promise.race([ended, new Promise<string>((r) => setTimeout(() => r('open'), 1_000))]);
  sub.unsubscribe();
  return result;
}

describe("the test harness's NATS [real: nats-server 2.9 with an authorization block and TLS]", () => {
  let nats: TestNats;

  beforeAll(async () => {
    nats = await startNats({ sites: ['a'], tls: true });
  });
  afterAll(() => nats.stop());

  it('refuses anonymous connections, unknown users and wrong passwords', async () => {
    const ca = nats.ca?.file;
    const scheduler = nats.users.scheduler;
    expect(await tryConnect(nats.url, ca)).toBe(NatsErrorCode.AuthorizationViolation);
    expect(await tryConnect(nats.url, ca, `nobody-${id()}`, 'x')).toBe(NatsErrorCode.AuthorizationViolation);
    expect(await tryConnect(nats.url, ca, scheduler.user, `${scheduler.password}x`)).toBe(NatsErrorCode.AuthorizationViolation);
    expect(await tryConnect(nats.url, ca, nats.agent('a').user, scheduler.password)).toBe(NatsErrorCode.AuthorizationViolation);
  });

  it('has one user per service and per site, none of them able to do everything', async () => {
    expect(Object.keys(nats.users).sort()).toEqual([...NATS_SERVICES, 'monitor'].sort());
    for (const user of [...Object.values(nats.users), nats.agent('a'), nats.tester]) {
      expect(user.permissions.publish.allow).not.toContain('>');
      expect(user.permissions.subscribe.allow).not.toContain('>');
      const nc = await connectNats({ ...nats.clientFor(user), name: user.user });
      try {
        expect([user.user, await trySubscribe(nc, 'cairn.>')]).toEqual([user.user, NatsErrorCode.PermissionsViolation]);
      } finally {
        await nc.close();
      }
    }
  });
});

describe("the dev cluster's NATS [real: nats-server of tools/dev-cluster/dev-cluster.sh]", () => {
  const env = testEnv();
  const credentials = (user: string): NatsCredentials => {
    if (!env.natsPasswordDir) throw new Error('no NATS password directory in the env file; run tools/dev-cluster/dev-cluster.sh up');
    return { user, password: readFileSync(join(env.natsPasswordDir, `${user}.password`), 'utf8').trim() };
  };

  it('speaks TLS and has a password file per service and per site agent (dev-cluster.sh up writes them)', () => {
    expect(env.natsUrl).toMatch(/^tls:\/\//);
    expect(env.natsCa).toEqual(expect.any(String));
    for (const user of [...NATS_SERVICES.map(serviceNatsUser), agentNatsUser(env.natsAgentSite)]) {
      expect(credentials(user).password).toMatch(/^[0-9a-f]{48}$/);
    }
  });

  it('refuses anonymous connections, wrong passwords, and clients that do not trust its CA', async () => {
    const scheduler = credentials(serviceNatsUser('scheduler'));
    expect(await tryConnect(env.natsUrl, env.natsCa)).toBe(NatsErrorCode.AuthorizationViolation);
    expect(await tryConnect(env.natsUrl, env.natsCa, scheduler.user, 'not-the-password')).toBe(NatsErrorCode.AuthorizationViolation);
    expect(await tryConnect(env.natsUrl, env.natsCa, agentNatsUser(env.natsAgentSite), scheduler.password)).toBe(NatsErrorCode.AuthorizationViolation);
    expect(await tryConnect(env.natsUrl, undefined, scheduler.user, scheduler.password)).toMatch(/certificate|self.signed|unable to verify/i);
  });

  it('lets in each service, and the agent user only on its own site', async () => {
    const site = env.natsAgentSite;
    const scheduler = credentials(serviceNatsUser('scheduler'));
    expect(await tryConnect(env.natsUrl, env.natsCa, scheduler.user, scheduler.password)).toBe('connected');
    const agent = credentials(agentNatsUser(site));
    const nc = await connectNats({ url: env.natsUrl, ca: env.natsCa, ...agent, name: 'nats-auth-int-spec' });
    try {
      expect(await trySubscribe(nc, subjects.site(site).submit)).toBe('open');
      expect(await trySubscribe(nc, `cairn.site.other${id()}.agent.submit`)).toBe(NatsErrorCode.PermissionsViolation);
      expect(await trySubscribe(nc, 'cairn.jobs.events.>')).toBe(NatsErrorCode.PermissionsViolation);
    } finally {
      await nc.close();
    }
  });
});
