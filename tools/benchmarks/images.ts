/**
 * Images (docs/images.md): what resolution and materialisation cost, each against a
 * baseline run in the same script, through one whole stack (startCairnStack: private NATS,
 * fresh database, gateway, scheduler, images service, provenance, agent on the real
 * Slurm and Charliecloud, the dev registry).
 *
 *   node -r ./tools/register.js tools/benchmarks/images.ts --resolves 40 --submits 30 --rounds 3 --concurrent 20
 *
 * Phases (--only resolve|submit|materialize|concurrent, default all):
 * - resolve: N new tags (each a new digest: a copy of lab/busybox:1.36 whose config has a
 *   unique label, pushed beforehand) resolved cold, then again (cached), through the images
 *   service's NATS subject (cairn.images.resolve) and through the gateway's ResolveImage;
 *   against one bare manifest GET of the same tag (the registry round trip alone).
 * - submit: SubmitJob acknowledgement of `lab/busybox:1.36` one at a time, the images
 *   service restarted with the default tag TTL and with CAIRN_IMAGE_TAG_TTL_SECONDS=0
 *   (every submission asks the registry), rounds alternating which goes first.
 * - materialize: MaterializeImage (gateway, streamed to READY) of a new digest of
 *   lab/busybox:1.36 and of lab/python-numpy:1 (cold at the site: its digest is new) vs
 *   `skopeo copy` + `umoci unpack --rootless` + `mksquashfs` by hand with the agent's flags.
 * - concurrent: C MaterializeImage calls at once of one new digest: time until all are
 *   READY and the catalogue's `conversions` for it (ListImages).
 *
 * A markdown report on stdout, progress on stderr, `--json` for every measurement. It
 * asserts nothing. Method and results: docs/benchmarks.md, "Images".
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connectNats, NatsRequester } from '@cairn/adapters/nats';
import { pb, resolvedImageSchema, subjects } from '@cairn/contracts';
import { ServiceProcess, startCairnStack, testEnv } from '@cairn/testing';
import { fmt, median, now, positiveOption, progressLog, quantile, runMain, usageOnHelp, which } from './bench-kit';
import { bareManifestGet, type ByHand, ImageServiceCaller, materializeByHand, pushVariant, readImage } from './image-kit';

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/images.ts [options]
  --resolves N     new tags resolved cold then cached, per path (NATS, gateway) (default 40)
  --submits N      SubmitJob calls per TTL mode and round (default 30)
  --rounds R       rounds of the submit and materialize phases (default 3)
  --concurrent C   MaterializeImage calls at once of one new image (default 20)
  --only PHASE     resolve, submit, materialize or concurrent (default: all)
  --json FILE      every measurement`;

const { values: opts } = parseArgs({
  options: {
    resolves: { type: 'string', default: '40' },
    submits: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '3' },
    concurrent: { type: 'string', default: '20' },
    only: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
usageOnHelp(opts.help, USAGE);
const RESOLVES = positiveOption('resolves', opts.resolves);
const SUBMITS = positiveOption('submits', opts.submits);
const ROUNDS = positiveOption('rounds', opts.rounds);
const CONCURRENT = positiveOption('concurrent', opts.concurrent);
const PHASES = ['resolve', 'submit', 'materialize', 'concurrent'] as const;
type Phase = (typeof PHASES)[number];
if (opts.only !== undefined && !(PHASES as readonly string[]).includes(opts.only)) throw new Error(`--only: expected one of ${PHASES.join(', ')}, got ${opts.only}`);
const runs = (phase: Phase) => opts.only === undefined || opts.only === phase;
const log = progressLog('images');
const env = testEnv();
const REGISTRY = env.registry;
const tagPrefix = `b${randomBytes(3).toString('hex')}`;

const stats = (values: number[]) => ({ n: values.length, p50: median(values), p99: quantile(values, 0.99) });
const row = (label: string, values: number[], digits = 1) => {
  const s = stats(values);
  return `| ${label} | ${s.n} | ${fmt(s.p50, digits)} | ${fmt(s.p99, digits)} |`;
};

async function main(): Promise<void> {
  const paths = { skopeo: await which('skopeo'), umoci: await which('umoci'), mksquashfs: await which('mksquashfs') };
  log('starting the stack (dev IdP, private NATS, fresh database, gateway, scheduler, images, provenance, agent)');
  const stack = await startCairnStack();
  const nc = await connectNats({ ...stack.nats.clientFor(stack.nats.users.gateway), name: 'cairn-bench-images' });
  const requester = new NatsRequester(nc);
  const images = new ImageServiceCaller(stack.grpcAddress, stack.ca, stack.tokens.alice);
  const report: string[] = [`## Images (${REGISTRY}, site ${stack.site})`, ''];
  const json: Record<string, unknown> = {};
  try {
    const busybox = { ...(await readImage(REGISTRY, 'lab/busybox', '1.36')), repository: 'lab/busybox' };
    log('warm-up: one resolution and one materialisation of lab/busybox:1.36 (the site platform, the gateway connection)');
    await images.resolve('lab/busybox:1.36', stack.site);
    await images.materialize('lab/busybox:1.36', stack.site);

    if (runs('resolve')) {
      log(`resolve: pushing ${2 * RESOLVES} new tags (new digests) of lab/busybox:1.36 to ${REGISTRY}/lab/bench-resolve`);
      const variants = [];
      for (let i = 0; i < 2 * RESOLVES; i += 1) variants.push(await pushVariant(REGISTRY, busybox, 'lab/bench-resolve', `${tagPrefix}-${i}`));
      const byPath = { nats: { cold: [] as number[], cached: [] as number[] }, gateway: { cold: [] as number[], cached: [] as number[] } };
      const bare: number[] = [];
      const pathCalls = {
        nats: (reference: string) => requester.request(subjects.images.resolve, { reference, site: stack.site }, resolvedImageSchema, 60_000),
        gateway: async (reference: string) => (await images.resolve(reference, stack.site)).image,
      };
      for (const [i, variant] of variants.entries()) {
        const path = i % 2 === 0 ? 'nats' : 'gateway';
        const call = pathCalls[path];
        const t0 = now();
        const cold = await call(variant.reference);
        const t1 = now();
        const cached = await call(variant.reference);
        const t2 = now();
        if (cold?.digest !== variant.digest || cached?.digest !== variant.digest) throw new Error(`resolve ${variant.reference}: got ${cold?.digest} / ${cached?.digest}, pushed ${variant.digest}`);
        if (cold.cached === true || cached.cached === false) log(`note: ${variant.reference} cold answered cached=${String(cold.cached)}, second cached=${String(cached.cached)}`);
        byPath[path].cold.push(t1 - t0);
        byPath[path].cached.push(t2 - t1);
        bare.push(await bareManifestGet(REGISTRY, 'lab/bench-resolve', variant.reference.split(':').pop() ?? ''));
      }
      json['resolve'] = { ...byPath, bareManifestGet: bare };
      report.push(
        `### Resolution: cold vs cached (${RESOLVES} new tags per path, one call at a time)`,
        '',
        '| call | n | p50 (ms) | p99 (ms) |',
        '| --- | ---: | ---: | ---: |',
        row('NATS cairn.images.resolve, cold (new tag, new digest)', byPath.nats.cold, 2),
        row('NATS cairn.images.resolve, cached (same tag again)', byPath.nats.cached, 2),
        row('gateway ResolveImage, cold', byPath.gateway.cold, 2),
        row('gateway ResolveImage, cached', byPath.gateway.cached, 2),
        row('baseline: one bare manifest GET of the tag', bare, 2),
        '',
        `- cold / cached (p50): NATS ${fmt(median(byPath.nats.cold) / median(byPath.nats.cached), 1)}x, gateway ${fmt(median(byPath.gateway.cold) / median(byPath.gateway.cached), 1)}x`,
        `- cold NATS resolution / bare manifest GET (p50): ${fmt(median(byPath.nats.cold) / median(bare), 1)}x`,
        '',
      );
    }

    if (runs('submit')) {
      const spec = pb.JobSpec.fromPartial({ name: 'bench-images', image: 'lab/busybox:1.36', command: ['/bin/true'], resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 } });
      const modes = { cached: {} as Record<string, string>, ttl0: { CAIRN_IMAGE_TAG_TTL_SECONDS: '0' } };
      const latencies = { cached: [] as number[], ttl0: [] as number[] };
      let imagesProcess: ServiceProcess = stack.services.images;
      for (let round = 1; round <= ROUNDS; round += 1) {
        for (const mode of round % 2 === 1 ? (['cached', 'ttl0'] as const) : (['ttl0', 'cached'] as const)) {
          log(`submit: round ${round}/${ROUNDS}, images service with ${mode === 'cached' ? 'the default tag TTL' : 'CAIRN_IMAGE_TAG_TTL_SECONDS=0'}: ${SUBMITS} SubmitJob one at a time`);
          await imagesProcess.kill('SIGTERM');
          const spec0 = stack.services.images.spec;
          imagesProcess = new ServiceProcess({ ...spec0, env: { ...spec0.env, ...modes[mode] }, logFile: `${stack.dir}/images-${mode}-${round}.log` });
          await imagesProcess.start();
          await stack.client.submitJob(pb.SubmitJobRequest.fromPartial({ spec })); // warm-up: platform and (cached mode) the tag
          for (let i = 0; i < SUBMITS; i += 1) {
            const t = now();
            await stack.client.submitJob(pb.SubmitJobRequest.fromPartial({ spec }));
            latencies[mode].push(now() - t);
          }
        }
      }
      await imagesProcess.kill('SIGTERM');
      stack.services.images = imagesProcess;
      json['submit'] = latencies;
      report.push(
        `### SubmitJob acknowledgement with and without the tag cache (${ROUNDS} rounds x ${SUBMITS} per mode, one at a time)`,
        '',
        '| images service | n | p50 (ms) | p99 (ms) |',
        '| --- | ---: | ---: | ---: |',
        row('default tag TTL (tag cached)', latencies.cached),
        row('CAIRN_IMAGE_TAG_TTL_SECONDS=0 (the registry every time)', latencies.ttl0),
        '',
        `- without / with the tag cache (p50): ${fmt(median(latencies.ttl0) / median(latencies.cached), 2)}x; p99 ${fmt(quantile(latencies.ttl0, 0.99) / quantile(latencies.cached, 0.99), 2)}x`,
        '',
      );
      // The stack's own images service again (default settings) for the phases below.
      imagesProcess = new ServiceProcess({ ...stack.services.images.spec, logFile: `${stack.dir}/images-after.log` });
      await imagesProcess.start();
      stack.services.images = imagesProcess;
    }

    if (runs('materialize')) {
      const numpy = { ...(await readImage(REGISTRY, 'lab/python-numpy', '1')), repository: 'lab/python-numpy' };
      type Measured = { cairn: number[]; byHand: ByHand[]; phases: number[]; bytes: number[] };
      const results: Record<string, Measured> = {};
      for (const [name, base] of [['lab/busybox:1.36', busybox], ['lab/python-numpy:1', numpy]] as const) {
        const into: Measured = { cairn: [], byHand: [], phases: [], bytes: [] };
        results[name] = into;
        const repository = `lab/bench-mat-${base.repository.split('/').pop() ?? 'x'}`;
        for (let round = 1; round <= ROUNDS; round += 1) {
          const forCairn = await pushVariant(REGISTRY, base, repository, `${tagPrefix}-c${round}`);
          const forHand = await pushVariant(REGISTRY, base, repository, `${tagPrefix}-h${round}`);
          const cairn = async () => {
            const t = now();
            const { last, messages } = await images.materialize(forCairn.pinned, stack.site);
            into.cairn.push(now() - t);
            into.phases.push(messages);
            into.bytes.push(Number(last.siteImage?.size ?? 0));
          };
          const byHand = async () => void into.byHand.push(await materializeByHand(forHand.pinned, true, paths));
          log(`materialize: ${name}, round ${round}/${ROUNDS}`);
          if (round % 2 === 1) {
            await cairn();
            await byHand();
          } else {
            await byHand();
            await cairn();
          }
        }
      }
      json['materialize'] = results;
      report.push(
        `### Materialisation (cold: a new digest at the site) vs by hand (${ROUNDS} rounds, alternating which goes first)`,
        '',
        '| image | how | n | p50 (s) | p99 (s) |',
        '| --- | --- | ---: | ---: | ---: |',
      );
      const ratios: string[] = [];
      for (const [name, r] of Object.entries(results)) {
        const s = (ms: number[]) => ms.map((v) => v / 1000);
        report.push(
          `| ${name} | MaterializeImage (gateway, to READY) | ${r.cairn.length} | ${fmt(median(s(r.cairn)), 2)} | ${fmt(quantile(s(r.cairn), 0.99), 2)} |`,
          `| ${name} | by hand: skopeo copy + umoci unpack + mksquashfs | ${r.byHand.length} | ${fmt(median(s(r.byHand.map((b) => b.totalMs))), 2)} | ${fmt(quantile(s(r.byHand.map((b) => b.totalMs)), 0.99), 2)} |`,
          `| ${name} | (by hand: skopeo copy / umoci unpack / mksquashfs, p50) | | ${fmt(median(s(r.byHand.map((b) => b.copyMs))), 2)} / ${fmt(median(s(r.byHand.map((b) => b.unpackMs))), 2)} / ${fmt(median(s(r.byHand.map((b) => b.squashMs))), 2)} | |`,
        );
        ratios.push(`- ${name}: Cairn / by hand (p50) ${fmt(median(r.cairn) / median(r.byHand.map((b) => b.totalMs)), 2)}x; SquashFS ${fmt(median(r.bytes) / 1048576, 1)} MiB (Cairn) vs ${fmt(median(r.byHand.map((b) => b.bytes)) / 1048576, 1)} MiB (by hand); ${fmt(median(r.phases))} progress messages per call`);
      }
      report.push('', ...ratios, '');
    }

    if (runs('concurrent')) {
      const variant = await pushVariant(REGISTRY, busybox, 'lab/bench-concurrent', `${tagPrefix}-n`);
      log(`concurrent: ${CONCURRENT} MaterializeImage at once of ${variant.reference}`);
      const t = now();
      const each = await Promise.all(
        Array.from({ length: CONCURRENT }, async () => {
          const t0 = now();
          const { last } = await images.materialize(variant.reference, stack.site);
          return { ms: now() - t0, conversions: last.siteImage?.conversions ?? 0 };
        }),
      );
      const allMs = now() - t;
      const single = await (async () => {
        const one = await pushVariant(REGISTRY, busybox, 'lab/bench-concurrent', `${tagPrefix}-1`);
        const t0 = now();
        await images.materialize(one.reference, stack.site);
        return now() - t0;
      })();
      const listed = await images.list(stack.site);
      const entry = listed.images.find((image) => image.digest === variant.digest);
      const conversions = entry?.conversions ?? NaN;
      json['concurrent'] = { calls: CONCURRENT, allMs, perCall: each, singleMs: single, conversions };
      report.push(
        `### ${CONCURRENT} MaterializeImage calls at once of one new image`,
        '',
        `- all READY after ${fmt(allMs / 1000, 2)} s (one call alone, another new digest, right after: ${fmt(single / 1000, 2)} s; ratio ${fmt(allMs / single, 2)}x)`,
        `- per call p50 ${fmt(median(each.map((e) => e.ms)) / 1000, 2)} s, p99 ${fmt(quantile(each.map((e) => e.ms), 0.99) / 1000, 2)} s`,
        `- conversions of that digest at the site (ListImages, the catalogue's count): ${conversions}; as each call's READY message said: ${[...new Set(each.map((e) => e.conversions))].join(', ')}`,
        '',
      );
    }
    process.stdout.write(`${report.join('\n')}\n`);
    if (opts.json) writeFileSync(opts.json, JSON.stringify(json, null, 2));
  } finally {
    images.close();
    await nc.close();
    await stack.stop();
  }
}

runMain(main);
