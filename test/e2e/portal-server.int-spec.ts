import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-web';
import { AuditService, IdentityService, JobService, JobState } from '@cairn/portal-client/protos';
import { type CairnStack, type FetchFunction, http2Fetch, type PortalSession, portalLogin, startCairnStack, waitFor } from '@cairn/testing';

/** The gRPC-Web transport the portal's pages use, from Node: the session's cookie and Origin on every call. */
const transport = (portalUrl: string, fetch: FetchFunction): Transport => createGrpcWebTransport({ baseUrl: `${portalUrl}/api`, useBinaryFormat: true, fetch });

/** One gRPC-Web message frame (flag 0, big-endian length). */
const messageFrame = (data: Uint8Array) => {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(data.length, 1);
  return Buffer.concat([header, data]);
};

/** The grpc-status of a gRPC-Web response: its headers (trailers-only), else its trailer frame (flag 0x80). */
const grpcStatusOf = (headers: Headers, body: Buffer): string | undefined => {
  const inHeaders = headers.get('grpc-status');
  if (inHeaders !== null) return inHeaders;
  for (let at = 0; at + 5 <= body.length; at += 5 + body.readUInt32BE(at + 1)) {
    if (body.readUInt8(at) & 0x80) return /grpc-status: ?(\d+)/.exec(body.subarray(at + 5, at + 5 + body.readUInt32BE(at + 1)).toString('latin1'))?.[1];
  }
  return undefined;
};

const codeOf = async (call: Promise<unknown>): Promise<Code | 'OK'> =>
  call.then(
    () => 'OK' as const,
    (error: unknown) => ConnectError.from(error).code,
  );

/** A job that runs until cancelled (well within its time limit). */
const sleeper = { name: 'portal-watch', image: 'lab/busybox:1.36', command: ['sleep', '300'], resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 600 } };

describe('the portal server: BFF login and the gRPC-Web bridge [real: gateway with its portal over HTTPS/HTTP2, dev IdP, scheduler, agent, nats-server, PostgreSQL, Slurm]', () => {
  let stack: CairnStack;
  let portalUrl: string;
  let alice: PortalSession;
  let bob: PortalSession;
  let raw: ReturnType<typeof http2Fetch>;

  beforeAll(async () => {
    // One watch per person: shows that the portal's people are counted apart (they all share one peer).
    stack = await startCairnStack({ portal: true, gatewayEnv: { CAIRN_WATCH_MAX_STREAMS_PER_CLIENT: '1' } });
    portalUrl = stack.portalUrl ?? '';
    alice = await portalLogin(portalUrl, stack.idp, 'alice', stack.ca);
    bob = await portalLogin(portalUrl, stack.idp, 'bob', stack.ca);
    raw = http2Fetch(stack.ca);
  });

  afterAll(async () => {
    alice?.close();
    bob?.close();
    raw?.close();
    await stack?.stop();
  });

  it('logs alice in through the IdP with a session cookie (HttpOnly, Secure, SameSite=Lax, __Host-) that names her, and no token anywhere', async () => {
    expect(alice.cookie).toMatch(/^__Host-cairn-session=[A-Za-z0-9_-]{43}$/);
    const res = await alice.fetch(`${portalUrl}/auth/session`);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ authenticated: true, name: 'alice', expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(body).not.toContain(stack.tokens.alice.slice(0, 20));
    expect(body).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    const anonymous = await raw.fetch(`${portalUrl}/auth/session`);
    expect(await anonymous.json()).toEqual({ authenticated: false });
  });

  it('answers WhoAmI over gRPC-Web as the person of the session', async () => {
    const who = await createClient(IdentityService, transport(portalUrl, alice.fetch)).whoAmI({});
    expect(who).toMatchObject({ name: 'alice', posixUser: 'alice', accounts: ['alice-lab', 'genomics'] });
    const bobs = await createClient(IdentityService, transport(portalUrl, bob.fetch)).whoAmI({});
    expect(bobs.name).toBe('bob');
  });

  it('streams WatchJob frame by frame, ends the watch when the browser goes away, and counts watches per person', async () => {
    const jobs = createClient(JobService, transport(portalUrl, alice.fetch));
    const { job } = await jobs.submitJob({ spec: sleeper });
    const jobId = job?.jobId ?? '';
    const watching = new AbortController();
    const seen: JobState[] = [];
    const stream = jobs.watchJob({ jobId }, { signal: watching.signal });
    const iterator = stream[Symbol.asyncIterator]();
    // Frames arrive as they happen: the job is not finished, yet its first changes are here.
    for (;;) {
      const next = await iterator.next();
      if (next.done) throw new Error('the watch ended early');
      seen.push(next.value.state);
      if (next.value.state === JobState.RUNNING) break;
    }
    expect(seen[0]).toBe(JobState.ACCEPTED);
    // Alice holds her one watch: a second is refused, while bob (same peer: the portal) gets his.
    expect(await codeOf(jobs.watchJob({ jobId })[Symbol.asyncIterator]().next())).toBe(Code.ResourceExhausted);
    const bobWatch = new AbortController();
    const bobJobs = createClient(JobService, transport(portalUrl, bob.fetch));
    const { job: bobsJob } = await bobJobs.submitJob({ spec: { ...sleeper, resources: { ...sleeper.resources } } });
    const bobIterator = bobJobs.watchJob({ jobId: bobsJob?.jobId ?? '' }, { signal: bobWatch.signal })[Symbol.asyncIterator]();
    expect((await bobIterator.next()).done).toBe(false);
    bobWatch.abort();
    // Alice's browser goes away: the upstream watch ends and frees her slot.
    watching.abort();
    await iterator.next().catch(() => undefined);
    const again = new AbortController();
    let reopened: Code | 'OK' = Code.ResourceExhausted;
    for (let attempt = 0; attempt < 50 && reopened === Code.ResourceExhausted; attempt += 1) {
      reopened = await codeOf(jobs.watchJob({ jobId }, { signal: again.signal })[Symbol.asyncIterator]().next());
      if (reopened === Code.ResourceExhausted) await new Promise((r) => setTimeout(r, 100));
    }
    expect(reopened).toBe('OK');
    again.abort();
    await jobs.cancelJob({ jobId });
    await bobJobs.cancelJob({ jobId: bobsJob?.jobId ?? '' });
  });

  it('honours grpc-timeout: a watch past its deadline ends DEADLINE_EXCEEDED', async () => {
    const jobs = createClient(JobService, transport(portalUrl, alice.fetch));
    const { job } = await jobs.submitJob({ spec: sleeper });
    const events: JobState[] = [];
    const ended = await codeOf(
      (async () => {
        for await (const event of jobs.watchJob({ jobId: job?.jobId ?? '' }, { timeoutMs: 1500 })) events.push(event.state);
      })(),
    );
    expect(ended).toBe(Code.DeadlineExceeded);
    expect(events.length).toBeGreaterThan(0);
    await jobs.cancelJob({ jobId: job?.jobId ?? '' });
  });

  it("one door: bob's session cannot read alice's job (NOT_FOUND), as over native gRPC", async () => {
    const { job } = await createClient(JobService, transport(portalUrl, alice.fetch)).submitJob({ spec: { ...sleeper, command: ['true'] } });
    const bobJobs = createClient(JobService, transport(portalUrl, bob.fetch));
    expect(await codeOf(bobJobs.getJob({ jobId: job?.jobId ?? '' }))).toBe(Code.NotFound);
    expect((await bobJobs.listJobs({})).jobs.map((j) => j.jobId)).not.toContain(job?.jobId);
  });

  it("audits portal calls as the person's, from the browser's address as the portal saw it", async () => {
    await createClient(JobService, transport(portalUrl, alice.fetch)).submitJob({ spec: { ...sleeper, name: 'portal-audited', command: ['true'] } });
    const carol = await portalLogin(portalUrl, stack.idp, 'carol', stack.ca);
    try {
      const audit = createClient(AuditService, transport(portalUrl, carol.fetch));
      const event = await waitFor(
        'the audit event of alice\'s submit through the portal',
        async () => (await audit.listAuditEvents({ subject: stack.idp.users.alice.sub, pageSize: 100 })).events.find((e) => e.rpc === '/cairn.v1.JobService/SubmitJob'),
        30_000,
        200,
      );
      expect(event).toMatchObject({ name: 'alice', posixUser: 'alice', outcome: 'OK', peer: 'portal 127.0.0.1' });
    } finally {
      carol.close();
    }
  });

  it('refuses a call with no cookie, a forged cookie or another Origin, and nothing changes', async () => {
    const before = (await stack.clients.alice.listJobs({})).jobs.length;
    const submit = (fetch: FetchFunction) => codeOf(createClient(JobService, transport(portalUrl, fetch)).submitJob({ spec: { ...sleeper, command: ['true'] } }));
    const withHeaders = (headers: Record<string, string>): FetchFunction => (input, init = {}) => {
      const all = new Headers(init.headers);
      for (const [name, value] of Object.entries(headers)) all.set(name, value);
      return raw.fetch(input, { ...init, headers: all });
    };
    const origin = new URL(portalUrl).origin;
    expect(await submit(withHeaders({ origin }))).toBe(Code.Unauthenticated);
    expect(await submit(withHeaders({ origin, cookie: `__Host-cairn-session=${'A'.repeat(43)}` }))).toBe(Code.Unauthenticated);
    expect(await submit(withHeaders({ origin, cookie: `__Host-cairn-session=${alice.cookie.split('=')[1]}x` }))).toBe(Code.Unauthenticated);
    expect(await submit(withHeaders({ origin: 'https://evil.example', cookie: alice.cookie }))).toBe(Code.PermissionDenied);
    expect(await submit(withHeaders({ cookie: alice.cookie }))).toBe(Code.PermissionDenied);
    expect(await submit(withHeaders({ origin: 'null', cookie: alice.cookie }))).toBe(Code.PermissionDenied);
    expect(await submit(withHeaders({ origin: 'null', 'sec-fetch-site': 'cross-site', cookie: alice.cookie }))).toBe(Code.PermissionDenied);
    expect(await submit(withHeaders({ origin: 'https://evil.example', 'sec-fetch-site': 'same-origin', cookie: alice.cookie }))).toBe(Code.PermissionDenied);
    expect((await stack.clients.alice.listJobs({})).jobs.length).toBe(before);
  });

  it('answers only the methods the gateway serves, unary and server-streaming', async () => {
    const call = async (path: string) => {
      const res = await alice.fetch(`${portalUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' }, body: messageFrame(new Uint8Array(0)) });
      await res.arrayBuffer();
      return { status: res.status, grpc: res.headers.get('grpc-status') };
    };
    expect(await call('/api/cairn.v1.IdentityService/WhoAmI')).toEqual({ status: 200, grpc: null });
    for (const path of ['/api/grpc.health.v1.Health/Check', '/api/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', '/api/cairn.v1.JobService/NoSuchMethod', '/api/cairn.v1.JobService/GetJob/x']) {
      expect(await call(path)).toEqual({ status: 404, grpc: '12' });
    }
    const get = await alice.fetch(`${portalUrl}/api/cairn.v1.IdentityService/WhoAmI`);
    await get.arrayBuffer();
    expect(get.status).toBe(405);
  });

  it('takes a request message of exactly 2 MiB and refuses one byte more with RESOURCE_EXHAUSTED', async () => {
    const LIMIT = 2 * 1024 * 1024;
    // WhoAmIRequest with one unknown length-delimited field (number 1000) filling the message.
    const request = (size: number) => {
      const tag = Buffer.from([0xc2, 0x3e]); // (1000 << 3) | 2 as a varint
      const header = Buffer.concat([tag, Buffer.from([0x80, 0x80, 0x80, 0x01])]); // a 4-byte varint, patched below
      const length = size - header.length;
      header.writeUInt8(0x80 | (length & 0x7f), 2);
      header.writeUInt8(0x80 | ((length >> 7) & 0x7f), 3);
      header.writeUInt8(0x80 | ((length >> 14) & 0x7f), 4);
      header.writeUInt8((length >> 21) & 0x7f, 5);
      return Buffer.concat([header, Buffer.alloc(length, 0x61)]);
    };
    const send = async (size: number) => {
      const res = await alice.fetch(`${portalUrl}/api/cairn.v1.IdentityService/WhoAmI`, { method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' }, body: messageFrame(request(size)) });
      return grpcStatusOf(res.headers, Buffer.from(await res.arrayBuffer()));
    };
    expect(request(LIMIT)).toHaveLength(LIMIT);
    expect(await send(LIMIT)).toBe('0');
    expect(await send(LIMIT + 1)).toBe('8');
  });

  it('serves the app with its security headers: files, the SPA fallback, no directory traversal', async () => {
    const index = await raw.fetch(`${portalUrl}/workflows/8f2c`, { headers: { 'accept-encoding': 'identity' } });
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<div id="root">');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect(index.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    for (const path of ['/../../etc/passwd', '/..%2f..%2fetc%2fpasswd', '/assets/..%2f..%2f..%2fpackage.json']) {
      const res = await raw.fetch(`${portalUrl}${path}`);
      expect(await res.text()).not.toMatch(/root:x:0|"name": "cairn"/);
    }
  });

  it('logout needs the portal\'s Origin, then ends the session: the API answers UNAUTHENTICATED', async () => {
    const carol = await portalLogin(portalUrl, stack.idp, 'carol', stack.ca);
    try {
      const forged = await raw.fetch(`${portalUrl}/auth/logout`, { method: 'POST', headers: { cookie: carol.cookie, origin: 'https://evil.example' } });
      expect(forged.status).toBe(403);
      await forged.arrayBuffer();
      expect((await createClient(IdentityService, transport(portalUrl, carol.fetch)).whoAmI({})).name).toBe('carol');
      // As the page's "Log out" form sends it: Chromium withholds the origin (Origin: null) under
      // Referrer-Policy no-referrer, and says Sec-Fetch-Site: same-origin.
      const out = await raw.fetch(`${portalUrl}/auth/logout`, { method: 'POST', headers: { cookie: carol.cookie, origin: 'null', 'sec-fetch-site': 'same-origin' } });
      await out.arrayBuffer();
      expect(out.status).toBe(303);
      expect(out.headers.get('location')).toBe('/');
      expect(out.headers.getSetCookie()).toEqual(['__Host-cairn-session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0', '__Secure-cairn-logged-out=1; Path=/auth; HttpOnly; SameSite=Lax; Secure']);
      // The next login in that browser asks the IdP to authenticate again (no silent single sign-on).
      const again = await raw.fetch(`${portalUrl}/auth/login?returnTo=/`, { headers: { cookie: '__Secure-cairn-logged-out=1' } });
      await again.arrayBuffer();
      expect(new URL(again.headers.get('location') ?? '').searchParams.get('prompt')).toBe('login');
      expect(await codeOf(createClient(IdentityService, transport(portalUrl, carol.fetch)).whoAmI({}))).toBe(Code.Unauthenticated);
      expect(await (await carol.fetch(`${portalUrl}/auth/session`)).json()).toEqual({ authenticated: false });
    } finally {
      carol.close();
    }
  });

  it('ends a session at its maximum age: then every call answers UNAUTHENTICATED (a second gateway with CAIRN_PORTAL_SESSION_MAX_SECONDS=10)', async () => {
    const extra = await stack.startExtraGateway({ CAIRN_PORTAL_SESSION_MAX_SECONDS: '10' });
    const short = await portalLogin(extra.portalUrl, stack.idp, 'alice', stack.ca);
    try {
      const session = (await (await short.fetch(`${extra.portalUrl}/auth/session`)).json()) as { authenticated: boolean; expiresAt: string };
      expect(session.authenticated).toBe(true);
      expect(Date.parse(session.expiresAt) - Date.now()).toBeLessThanOrEqual(10_000);
      const identity = createClient(IdentityService, transport(extra.portalUrl, short.fetch));
      expect((await identity.whoAmI({})).name).toBe('alice');
      // Wait for the end the portal announced (no threshold of ours: its own expiresAt).
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(session.expiresAt) - Date.now()) + 50));
      expect(await codeOf(identity.whoAmI({}))).toBe(Code.Unauthenticated);
      expect(await (await short.fetch(`${extra.portalUrl}/auth/session`)).json()).toEqual({ authenticated: false });
    } finally {
      short.close();
      await extra.stop();
    }
  });

  it('sends a login back only to a path of the portal', async () => {
    for (const returnTo of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const res = await raw.fetch(`${portalUrl}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
      await res.arrayBuffer();
      expect(res.status).toBe(302);
      const login = new URL(res.headers.get('location') ?? '');
      expect(login.origin).toBe(new URL(stack.idp.url).origin);
      expect(login.searchParams.get('code_challenge_method')).toBe('S256');
      expect(login.searchParams.get('client_id')).toBe('cairn-portal');
      expect(login.searchParams.get('redirect_uri')).toBe(`${portalUrl}/auth/callback`);
      expect(login.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(login.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    }
    // A callback without the login cookie (another browser, or forged) is refused.
    const forged = await raw.fetch(`${portalUrl}/auth/callback?code=x&state=y`);
    expect(forged.status).toBe(400);
    expect(forged.headers.getSetCookie().some((c) => c.startsWith('__Host-cairn-session=') && !c.includes('Max-Age=0'))).toBe(false);
    await forged.arrayBuffer();
  });
});
