import { randomBytes, randomUUID } from 'node:crypto';
import { connectNats, decodeJson, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import {
  agentEvictReply,
  agentImageListReply,
  agentMaterializeReply,
  CairnError,
  type ImageProgressMessage,
  imageProgressMessage,
  pb,
  subjects,
} from '@cairn/contracts';
import { type CairnStack, errorCode, type FreshImage, pushFreshImage, startCairnStack, tamperBlob, testEnv, waitFor } from '@cairn/testing';

/**
 * The agent's image catalogue over NATS, as the images service asks it (ADR 0015): a stack's
 * real agent pulling from the dev registry, converting with umoci and mksquashfs, running
 * jobs on Slurm with ch-run.
 */
describe('agent image-materialize, image-list, image-evict [real: agent, nats-server with per-site users, OCI registry, skopeo, umoci, mksquashfs, Slurm, ch-run]', () => {
  const env = testEnv();
  let stack: CairnStack;
  let asImages: NatsConnection;
  let asGateway: NatsConnection;
  let requester: NatsRequester;
  let agent: ReturnType<typeof subjects.site>;

  const fresh = () => pushFreshImage({ registry: env.registry, repository: `lab/h4-agent-${randomBytes(4).toString('hex')}`, tag: '1' });
  const materialize = (image: FreshImage, wait: boolean, runId?: string) =>
    requester.request(agent.imageMaterialize, { pinned: image.pinned, digest: image.digest, wait, ...(runId ? { runId } : {}) }, agentMaterializeReply, 200_000);
  const list = () => requester.request(agent.imageList, {}, agentImageListReply);
  const held = async (digest: string) => (await list()).images.find((image) => image.digest === digest);
  /** Every progress message of one digest, as the gateway hears them. */
  const follow = (digest: string): ImageProgressMessage[] => {
    const heard: ImageProgressMessage[] = [];
    asGateway.subscribe(subjects.imageProgress(stack.site, digest.slice('sha256:'.length)), {
      callback: (_error, msg) => heard.push(imageProgressMessage.parse(decodeJson(msg.data))),
    });
    return heard;
  };

  beforeAll(async () => {
    stack = await startCairnStack();
    agent = subjects.site(stack.site);
    asImages = await connectNats({ ...stack.nats.clientFor(stack.nats.users.images), name: 'as-images' });
    asGateway = await connectNats({ ...stack.nats.clientFor(stack.nats.users.gateway), name: 'as-gateway' });
    requester = new NatsRequester(asImages);
  });

  afterAll(async () => {
    await asImages?.close();
    await asGateway?.close();
    await stack?.stop();
  });

  it("lists the agent's runtime and the host's platform", async () => {
    expect(await list()).toMatchObject({ runtime: 'charliecloud', platform: { os: 'linux', architecture: process.arch === 'arm64' ? 'arm64' : 'amd64' } });
  });

  it('starts a conversion without waiting (converting), publishes its progress to ready, then answers ready with the record', async () => {
    const image = await fresh();
    const heard = follow(image.digest);
    await asGateway.flush();

    expect(await materialize(image, false, randomUUID())).toEqual({ state: 'converting' });
    await waitFor('the ready progress message', async () => (heard.at(-1)?.phase === 'ready' ? true : undefined), 120_000);

    // At most one message per phase per 250 ms, and every phase change.
    expect(heard.map((m) => m.phase).filter((phase, i, all) => all.indexOf(phase) === i)).toEqual(['pulling', 'verifying', 'unpacking', 'converting', 'ready']);
    const again = await materialize(image, false);
    expect(again).toMatchObject({ state: 'ready', image: { digest: image.digest, pinned: image.pinned, conversions: 1, runtime: 'charliecloud' } });
  });

  it('converts once for 20 concurrent waiting requests of a new image, each run recorded', async () => {
    const image = await fresh();
    const runIds = Array.from({ length: 20 }, () => randomUUID());

    const replies = await Promise.all(runIds.map((runId) => materialize(image, true, runId)));

    expect(replies.every((reply) => reply.state === 'ready')).toBe(true);
    const record = await held(image.digest);
    expect(record?.conversions).toBe(1);
    expect(new Set(record?.runIds)).toEqual(new Set(runIds));
  });

  it('refuses an image with a tampered blob (the reply and the progress say which), and the catalogue does not hold it', async () => {
    const image = await fresh();
    const heard = follow(image.digest);
    await asGateway.flush();
    const restore = tamperBlob(env.registryDataDir, image.markerLayerDigest);
    try {
      const refusal = await materialize(image, true).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(CairnError);
      expect(refusal).toMatchObject({ code: 'FAILED_PRECONDITION' });
      expect((refusal as CairnError).message).toContain(`blob ${image.markerLayerDigest}`);
      await waitFor('the failed progress message', async () => (heard.at(-1)?.phase === 'failed' ? true : undefined));
      expect(heard.at(-1)?.error).toContain('does not match its digest');
      expect(await held(image.digest)).toBeUndefined();
      expect((await list()).converting).toEqual([]);
    } finally {
      restore();
    }
  });

  it('refuses to evict the image of a running job, records the job as a use, and evicts it once the job ended', async () => {
    const image = await fresh();
    const { job } = await stack.client.submitJob({
      spec: { name: 'h4-evict', image: image.pinned, command: ['/bin/sleep', '120'], env: {}, site: '', array: undefined, resources: { cpus: 1, memoryMb: 128, timeLimitSeconds: 300, partition: '' } },
      requestId: '',
    });
    const jobId = job?.jobId ?? '';
    await waitFor('the job to run', async () => ((await stack.client.getJob(jobId)).state === pb.JobState.JOB_STATE_RUNNING ? true : undefined), 120_000);

    const record = await held(image.digest);
    expect(record).toMatchObject({ inUse: true, runIds: [jobId], conversions: 1 });
    expect(await errorCode(requester.request(agent.imageEvict, { digest: image.digest }, agentEvictReply))).toBe('FAILED_PRECONDITION');
    expect(await held(image.digest)).toBeDefined();

    await stack.client.cancelJob(jobId);
    await waitFor('the job to end', async () => ((await stack.client.getJob(jobId)).state === pb.JobState.JOB_STATE_CANCELLED ? true : undefined), 60_000);
    await waitFor('the image to be free', async () => ((await held(image.digest))?.inUse === false ? true : undefined), 30_000);
    await expect(requester.request(agent.imageEvict, { digest: image.digest }, agentEvictReply)).resolves.toEqual({ freedBytes: record?.size });
    expect(await held(image.digest)).toBeUndefined();
  });
});
