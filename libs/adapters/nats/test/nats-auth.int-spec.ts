import { randomBytes } from 'node:crypto';
import { connectNats } from '../src';
import { siteAgentUser, startNats, type TestNats, testEnv } from '@cairn/testing';
import { connect, ErrorCode as NatsErrorCode, type NatsConnection, NatsError } from 'nats';

const id = () => randomBytes(4).toString('hex');

/** How a connection attempt ended: 'connected', or the NATS error code it was refused with. */
async function tryConnect(url: string, user?: string, pass?: string): Promise<string> {
  try {
    const nc = await connect({ servers: url, user, pass, reconnect: false, timeout: 5_000 });
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

describe("the test harness's NATS [real: nats-server 2.9 with an authorization block]", () => {
  let nats: TestNats;
  const agent = siteAgentUser('a');

  beforeAll(async () => {
    nats = await startNats({ users: [agent] });
  });
  afterAll(() => nats.stop());

  it('refuses anonymous connections, unknown users and wrong passwords', async () => {
    expect(await tryConnect(nats.url)).toBe(NatsErrorCode.AuthorizationViolation);
    expect(await tryConnect(nats.url, `nobody-${id()}`, 'x')).toBe(NatsErrorCode.AuthorizationViolation);
    expect(await tryConnect(nats.url, nats.services.user, `${nats.services.password}x`)).toBe(NatsErrorCode.AuthorizationViolation);
    expect(await tryConnect(nats.url, agent.user, nats.services.password)).toBe(NatsErrorCode.AuthorizationViolation);
  });

  it('lets in the services user and the agent user with their passwords, the agent only to its own site', async () => {
    expect(await tryConnect(nats.url, nats.services.user, nats.services.password)).toBe('connected');
    const nc = await connectNats({ ...nats.clientFor(agent), name: 'agent-a' });
    try {
      expect(await trySubscribe(nc, 'cairn.site.a.>')).toBe('open');
      expect(await trySubscribe(nc, 'cairn.site.b.>')).toBe(NatsErrorCode.PermissionsViolation);
    } finally {
      await nc.close();
    }
  });
});

describe("the dev cluster's NATS [real: nats-server of tools/dev-cluster/dev-cluster.sh]", () => {
  const env = testEnv();

  it('has users in its env file (dev-cluster.sh up writes them)', () => {
    expect(env.natsServices).toEqual({ user: expect.any(String), password: expect.stringMatching(/^[0-9a-f]{48}$/) });
    expect(env.natsAgent).toEqual({ site: expect.any(String), user: expect.any(String), password: expect.stringMatching(/^[0-9a-f]{48}$/) });
  });

  it('refuses anonymous connections and wrong passwords', async () => {
    expect(await tryConnect(env.natsUrl)).toBe(NatsErrorCode.AuthorizationViolation);
    expect(await tryConnect(env.natsUrl, env.natsServices?.user, 'not-the-password')).toBe(NatsErrorCode.AuthorizationViolation);
    expect(await tryConnect(env.natsUrl, env.natsAgent?.user, env.natsServices?.password)).toBe(NatsErrorCode.AuthorizationViolation);
  });

  it('lets in the services user, and the agent user only on its own site', async () => {
    const services = env.natsServices;
    const agent = env.natsAgent;
    if (!services || !agent) throw new Error('no NATS users in the env file; run tools/dev-cluster/dev-cluster.sh up');
    expect(await tryConnect(env.natsUrl, services.user, services.password)).toBe('connected');
    const nc = await connectNats({ url: env.natsUrl, user: agent.user, password: agent.password, name: 'nats-auth-int-spec' });
    try {
      expect(await trySubscribe(nc, `cairn.site.${agent.site}.events.${id()}`)).toBe('open');
      expect(await trySubscribe(nc, `cairn.site.other${id()}.>`)).toBe(NatsErrorCode.PermissionsViolation);
      expect(await trySubscribe(nc, 'cairn.jobs.events.>')).toBe(NatsErrorCode.PermissionsViolation);
    } finally {
      await nc.close();
    }
  });
});
