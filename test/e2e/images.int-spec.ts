import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats, NatsRequester } from '@cairn/adapters/nats';
import { pb, runsInfoReply, subjects } from '@cairn/contracts';
import { ImagesClient, WorkflowsClient } from '@cairn/client';
import { type CairnStack, devRegistryEnv, type FreshImage, pushFreshImage, ServiceProcess, startCairnStack, tamperBlob, testEnv } from '@cairn/testing';
import { refusal } from './gateway-refusal';
import { completed, finished, hostArchitecture, MARKER_PATH, markerOf, materialize, readIndex, resolveUntil } from './image-helpers';
import { cairnSlurmJobCount, spec, stateOf, submit, waitForState } from './job-helpers';
import { ended, runState, startRun, stepOf, stepState, waitForRun } from './workflow-helpers';

const S = pb.JobState;
/** Short, so the moved-tag test waits little; long enough that "inside the TTL" holds on a loaded machine. */
const TAG_TTL_SECONDS = 6;
/** About two fresh busybox images (SquashFS ~1.05 MB each): a third makes the site evict. */
const QUOTA_BYTES = 2_621_440;
const REPOSITORY = 'e2e/images';

/** A port nothing listens on (see beforeAll). */
const CLOSED_PORT = 1;

describe('ImageService and images in jobs end to end [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registries :5000 :5001 :5002 and the token server, skopeo, umoci, mksquashfs, slurmctld, slurmd, ch-run]', () => {
  const env = testEnv();
  const run = randomBytes(4).toString('hex');
  const tag = (what: string) => `${what}-${run}`;
  const fresh = (what: string, registry = env.registry) =>
    pushFreshImage({ registry, repository: REPOSITORY, tag: tag(what), ...(registry === env.registry || !env.registryAuthFile ? {} : { authFile: env.registryAuthFile }) });
  let stack: CairnStack;
  let images: ImagesClient;
  let carolImages: ImagesClient;
  let workflows: WorkflowsClient;
  let closedPort: number;
  /** The workflow run of the pre-warming test (finished), for runs.info. */
  let pinnedRunId = '';

  beforeAll(async () => {
    // Port 1 (tcpmux): privileged, outside the kernel's ephemeral range, so no process of this
    // run (which all take ports from the kernel) can be listening there when the test asks.
    // A port found free at the start could be handed to another service before the test runs
    // (a NOT_FOUND from that service instead of the refusal).
    closedPort = CLOSED_PORT;
    const registries = `${devRegistryEnv(env).CAIRN_REGISTRY_ALLOW},127.0.0.1:${closedPort}`;
    stack = await startCairnStack({
      // This suite's quota and sizes are those of SquashFS images (the production form); the
      // directory form (ADR 0021) is bigger on disk and is tested in container-runtime's suites.
      agentEnv: { CAIRN_CHARLIECLOUD_IMAGE_FORM: 'squashfs' },
      imagesEnv: {
        CAIRN_IMAGE_TAG_TTL_SECONDS: String(TAG_TTL_SECONDS),
        CAIRN_IMAGE_QUOTA_BYTES: String(QUOTA_BYTES),
        // The closed port is allowed (and plain HTTP), so its refusal is UNAVAILABLE, not the allow-list's.
        CAIRN_REGISTRY_ALLOW: registries,
        CAIRN_INSECURE_REGISTRIES: registries,
      },
    });
    images = new ImagesClient(stack.grpcAddress, stack.clientOptions('alice'));
    carolImages = new ImagesClient(stack.grpcAddress, stack.clientOptions('carol'));
    workflows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions('alice'));
  });

  afterAll(async () => {
    images?.close();
    carolImages?.close();
    workflows?.close();
    await stack?.stop();
  });

  const catalogue = async () => images.list();
  const entryOf = async (digest: string) => (await catalogue()).images.find((i) => i.digest === digest);

  it('runs a freshly pushed image by tag; a moved tag reaches new submissions only after the TTL, and a recorded job keeps its digest', async () => {
    const first = await fresh('moved');
    const firstJob = await submit(stack.client, spec({ image: first.reference, command: ['/bin/cat', MARKER_PATH] }));
    expect((await stack.client.getJob(firstJob)).imageDigest).toBe(first.pinned);

    const second = await fresh('moved');
    expect(second.digest).not.toBe(first.digest);
    // Inside the TTL the tag cache answers: the old digest, no registry round trip.
    const inside = await images.resolve(first.reference);
    expect([inside.image.digest, inside.image.cached]).toEqual([first.digest, true]);
    const insideJob = await submit(stack.client, spec({ image: first.reference, command: ['/bin/cat', MARKER_PATH] }));
    expect((await stack.client.getJob(insideJob)).imageDigest).toBe(first.pinned);

    const firstRun = await finished(stack.client, firstJob);
    expect(completed(firstRun.job)).toBe('COMPLETED 0');
    expect(firstRun.stdout).toBe(await markerOf(env.registry, REPOSITORY, first.markerLayerDigest));

    // After the TTL: the new digest.
    await resolveUntil(images, first.reference, (image) => image.digest === second.digest);
    const secondJob = await submit(stack.client, spec({ image: first.reference, command: ['/bin/cat', MARKER_PATH] }));
    const secondRun = await finished(stack.client, secondJob);
    expect([secondRun.job.imageDigest, completed(secondRun.job)]).toEqual([second.pinned, 'COMPLETED 0']);
    expect(secondRun.stdout).toBe(await markerOf(env.registry, REPOSITORY, second.markerLayerDigest));

    // The recorded jobs kept what they were pinned to, and ran it.
    const insideRun = await finished(stack.client, insideJob);
    expect([insideRun.job.imageDigest, insideRun.stdout]).toEqual([first.pinned, firstRun.stdout]);
    expect((await stack.client.getJob(firstJob)).imageDigest).toBe(first.pinned);
  });

  it('a workflow run is pre-warmed when accepted, and runs the digests pinned then in every step, including a step submitted after the tag moved and the TTL passed', async () => {
    const before = await fresh('workflow');
    const other = await fresh('prewarmed');
    // The first step waits for the test's word, so the later steps start only when the test says.
    const source = `version: 1
name: pinned
defaults: { image: ${before.reference}, resources: { memory: 64M, time: 5m } }
steps:
  first: { command: [/bin/sh, -c, "while [ ! -e /cairn/run/go ]; do sleep 0.2; done; cat ${MARKER_PATH}"] }
  second: { command: [/bin/cat, ${MARKER_PATH}], needs: [first] }
  third: { command: [/bin/cat, ${MARKER_PATH}], image: ${other.reference}, needs: [first] }
`;
    const runId = await startRun(workflows, source);
    pinnedRunId = runId;
    const after = await fresh('workflow');
    // Pre-warmed on acceptance: the third step's image is at the site before any job of that step exists.
    const deadline = Date.now() + 120_000;
    while (!(await entryOf(other.digest))) {
      if (Date.now() > deadline) throw new Error(`${other.pinned} never reached the site's catalogue`);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(stepOf(await workflows.getWorkflow(runId), 'third').jobIds).toEqual([]);
    // The tag now names the new image (the TTL passed), then the run goes on.
    await resolveUntil(images, before.reference, (image) => image.digest === after.digest);
    await waitForRun(workflows, runId, (w) => stepState(stepOf(w, 'first').state) === 'RUNNING');
    writeFileSync(join(stack.dir, 'agent', 'runs', runId, 'go'), '');
    const run = await waitForRun(workflows, runId, ended, 180_000);
    expect(runState(run.state)).toBe('SUCCEEDED');
    const ran = async (key: string) => {
      const [jobId] = stepOf(run, key).jobIds;
      if (!jobId) throw new Error(`step ${key} has no job`);
      return [(await stack.client.getJob(jobId)).imageDigest, Buffer.from((await stack.client.getJobOutput({ jobId })).data).toString()];
    };
    const marker = await markerOf(env.registry, REPOSITORY, before.markerLayerDigest);
    expect(await ran('first')).toEqual([before.pinned, marker]);
    expect(await ran('second')).toEqual([before.pinned, marker]);
    expect(await ran('third')).toEqual([other.pinned, await markerOf(env.registry, REPOSITORY, other.markerLayerDigest)]);
    expect((await entryOf(other.digest))?.runIds).toContain(runId);
  });

  it('resolves the multi-platform index to the manifest of the site\'s platform, as the registry lists it', async () => {
    const slash = env.multiarchImage.indexOf('/');
    const registry = env.multiarchImage.slice(0, slash);
    const [repository = '', indexTag = ''] = env.multiarchImage.slice(slash + 1).split(':');
    const index = await readIndex(registry, repository, indexTag);
    const mine = index.manifests.find((m) => m.platform.os === 'linux' && m.platform.architecture === hostArchitecture());
    if (!mine) throw new Error(`the index has no linux/${hostArchitecture()} manifest`);
    const { image } = await images.resolve(env.multiarchImage);
    expect(image).toMatchObject({ digest: mine.digest, indexDigest: index.digest, pinned: `${registry}/${repository}@${mine.digest}`, platform: { os: 'linux', architecture: hostArchitecture() } });
    expect(index.manifests.filter((m) => m.digest !== mine.digest)).not.toEqual([]);
    const jobId = await submit(stack.client, spec({ image: env.multiarchImage, command: ['/bin/true'] }));
    const { job } = await finished(stack.client, jobId);
    expect([job.imageDigest, completed(job)]).toEqual([image.pinned, 'COMPLETED 0']);
  });

  describe('refusals: a clear error, and nothing recorded or run', () => {
    const refusedSubmission = async (image: string) => {
      const slurm = cairnSlurmJobCount(stack.dir);
      const listed = (await stack.client.listJobs({ pageSize: 500 })).jobs.length;
      const error = await refusal(() => stack.client.submitJob({ spec: spec({ image, command: ['/bin/true'] }), requestId: '' }));
      expect((await stack.client.listJobs({ pageSize: 500 })).jobs.length).toBe(listed);
      expect(cairnSlurmJobCount(stack.dir)).toBe(slurm);
      return error;
    };

    it.each([
      ['upper case in the repository', 'lab/Busybox:1', /^spec\.image: must be an image reference: repository path component \d "Busybox": repository names must be lower case$/],
      ['a port out of range', '127.0.0.1:99999/lab/busybox:1', /^spec\.image: must be an image reference: registry port "99999": must be a number from 1 to 65535$/],
      ['a short digest', 'lab/busybox@sha256:abc', /^spec\.image: must be an image reference: digest hex "abc": sha256 needs exactly 64/],
      ['a shell metacharacter in the tag', 'lab/busybox:1;id', /^spec\.image: must be an image reference: tag "1;id": must be 1 to 128/],
      ['an empty tag', 'lab/busybox:', /^spec\.image: must be an image reference: tag is empty/],
    ])('a malformed reference (%s) is INVALID_ARGUMENT naming the part', async (_what, image, message) => {
      const error = await refusedSubmission(image);
      expect(error.codeName).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
    });

    it('a missing tag is NOT_FOUND naming the tag and the repository', async () => {
      const error = await refusedSubmission(`lab/busybox:missing-${run}`);
      expect([error.codeName, error.message]).toEqual(['NOT_FOUND', expect.stringMatching(new RegExp(`^spec\\.image: .*"missing-${run}".*lab/busybox.*${env.registry.replace(/\./g, '\\.')}`))]);
    });

    it('a registry that is down is UNAVAILABLE naming it (an answer, not a hang)', async () => {
      const error = await refusedSubmission(`127.0.0.1:${closedPort}/lab/busybox:1`);
      expect([error.codeName, error.message]).toEqual(['UNAVAILABLE', expect.stringMatching(new RegExp(`^spec\\.image: .*127\\.0\\.0\\.1:${closedPort}`))]);
    });

    it('a registry not on the allow-list is PERMISSION_DENIED naming it and the site', async () => {
      const error = await refusedSubmission('registry.example.org/lab/busybox:1');
      expect([error.codeName, error.message]).toEqual(['PERMISSION_DENIED', expect.stringMatching(new RegExp(`^spec\\.image: .*registry\\.example\\.org.*${stack.site}`))]);
    });

    it('a workflow naming a refused image is refused whole, naming its steps; no run is recorded', async () => {
      const runs = (await workflows.listWorkflows({ pageSize: 500 })).workflows.length;
      const error = await refusal(() => workflows.submitWorkflow({ source: `version: 1\nname: refused\ndefaults: { resources: { memory: 64M, time: 5m } }\nsteps:\n  a: { image: "lab/busybox:missing-${run}", command: [/bin/true] }\n`, fileName: 'w.yaml' }));
      expect([error.codeName, error.message]).toEqual(['NOT_FOUND', expect.stringMatching(/^w\.yaml: steps\.a: /)]);
      expect((await workflows.listWorkflows({ pageSize: 500 })).workflows.length).toBe(runs);
    });

    it('a tampered layer is refused at the site before anything runs: the job fails with the digest named and never reaches Slurm', async () => {
      const image = await fresh('tampered');
      const restore = tamperBlob(env.registryDataDir, image.markerLayerDigest);
      try {
        const slurm = cairnSlurmJobCount(stack.dir);
        const jobId = await submit(stack.client, spec({ image: image.reference, command: ['/bin/cat', MARKER_PATH] }));
        const { job } = await finished(stack.client, jobId);
        expect(stateOf(job.state)).toBe('FAILED');
        expect(job.slurmJobId).toBe('');
        expect(job.reason).toMatch(/digest/i);
        expect(cairnSlurmJobCount(stack.dir)).toBe(slurm);
        expect(await entryOf(image.digest)).toBeUndefined();
      } finally {
        restore();
      }
    });
  });

  describe('the token registry (127.0.0.1:5002)', () => {
    it('resolves and runs with the credentials of the auth file', async () => {
      const image = await fresh('token', env.tokenRegistry);
      const jobId = await submit(stack.client, spec({ image: image.reference, command: ['/bin/cat', MARKER_PATH] }));
      const { job, stdout } = await finished(stack.client, jobId);
      expect([job.imageDigest, completed(job)]).toEqual([image.pinned, 'COMPLETED 0']);
      expect(stdout.length).toBeGreaterThan(0);
    });

    it('an images service without credentials is refused by the registry: PERMISSION_DENIED, nothing recorded', async () => {
      const image = await fresh('anonymous', env.tokenRegistry);
      const configured = stack.services.images;
      const anonymousEnv = Object.fromEntries(Object.entries(configured.spec.env).filter(([name]) => name !== 'CAIRN_REGISTRY_AUTH_FILE'));
      await configured.kill('SIGTERM');
      const anonymous = new ServiceProcess({ ...configured.spec, env: anonymousEnv, logFile: `${configured.spec.logFile}.anonymous` });
      try {
        await anonymous.start();
        const listed = (await stack.client.listJobs({ pageSize: 500 })).jobs.length;
        const error = await refusal(() => stack.client.submitJob({ spec: spec({ image: image.reference, command: ['/bin/true'] }), requestId: '' }));
        expect([error.codeName, error.message]).toEqual(['PERMISSION_DENIED', expect.stringMatching(/^spec\.image: registry 127\.0\.0\.1:5002 refused/)]);
        expect((await stack.client.listJobs({ pageSize: 500 })).jobs.length).toBe(listed);
      } finally {
        await anonymous.kill('SIGTERM');
        await configured.start();
      }
    });
  });

  it('twenty concurrent submissions of a new image all complete, after exactly one conversion at the site', async () => {
    const image = await fresh('concurrent');
    const jobIds = await Promise.all(Array.from({ length: 20 }, (_, i) => submit(stack.client, spec({ name: `concurrent-${i}`, image: image.reference, command: ['/bin/cat', MARKER_PATH] }))));
    const runs = await Promise.all(jobIds.map((jobId) => finished(stack.client, jobId)));
    const marker = await markerOf(env.registry, REPOSITORY, image.markerLayerDigest);
    expect(runs.map((r) => [r.job.imageDigest, completed(r.job), r.stdout])).toEqual(jobIds.map(() => [image.pinned, 'COMPLETED 0', marker]));
    const entry = await entryOf(image.digest);
    expect(entry).toMatchObject({ digest: image.digest, pinned: image.pinned, conversions: 1 });
    expect(entry?.runIds).toEqual(expect.arrayContaining(jobIds));
  });

  it('eviction keeps the site under its quota and never removes an image a live job runs (the scheduler says which runs are live); once the job ends, the image may go', async () => {
    const held = await fresh('held');
    const holder = await submit(stack.client, spec({ name: 'holder', image: held.reference, command: ['/bin/sleep', '600'], resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 900, partition: '' } }));
    await waitForState(stack.client, holder, S.JOB_STATE_RUNNING, 120_000);
    // What the images service asks the scheduler before it evicts (as the images service's NATS user).
    const nc = await connectNats({ ...stack.nats.clientFor(stack.nats.users.images), name: 'e2e-runs-info' });
    try {
      const unknown = '00000000-0000-4000-8000-000000000404';
      const info = await new NatsRequester(nc).request(subjects.scheduler.runsInfo, { runIds: [holder, unknown, pinnedRunId] }, runsInfoReply);
      const alice = expect.objectContaining({ name: 'alice', posixUser: 'alice' });
      expect(info.runs).toEqual([
        { runId: holder, kind: 'job', live: true, owner: alice, account: 'alice-lab' },
        { runId: pinnedRunId, kind: 'workflow', live: false, owner: alice, account: 'alice-lab' },
      ]);
    } finally {
      await nc.close();
    }
    const others: FreshImage[] = [];
    for (const what of ['evict-b', 'evict-c', 'evict-d']) {
      const image = await fresh(what);
      expect(pb.MaterializePhase[(await materialize(images, image.reference)).phase]).toBe('MATERIALIZE_PHASE_READY');
      others.push(image);
    }
    let listed = await catalogue();
    const digests = listed.images.map((i) => i.digest);
    expect(digests).toContain(held.digest);
    expect(digests).toContain(others[2]?.digest);
    expect(digests).not.toContain(others[0]?.digest);
    expect(digests).not.toContain(others[1]?.digest);
    expect(listed.quotaBytes).toBe(QUOTA_BYTES);
    expect(listed.usedBytes).toBeLessThanOrEqual(QUOTA_BYTES);

    // Asked outright: not while the job runs it (an admin), never by anyone else.
    const busy = await refusal(() => carolImages.evict(held.digest));
    expect([busy.codeName, busy.message]).toEqual(['FAILED_PRECONDITION', expect.stringContaining(held.digest)]);
    expect((await refusal(() => images.evict(held.digest))).codeName).toBe('PERMISSION_DENIED');
    expect(await entryOf(held.digest)).toBeDefined();

    await stack.client.cancelJob(holder);
    await waitForState(stack.client, holder, S.JOB_STATE_CANCELLED, 120_000);
    for (const what of ['evict-e', 'evict-f']) await materialize(images, (await fresh(what)).reference);
    listed = await catalogue();
    expect(listed.images.map((i) => i.digest)).not.toContain(held.digest);
    expect(listed.usedBytes).toBeLessThanOrEqual(QUOTA_BYTES);
  });
});
