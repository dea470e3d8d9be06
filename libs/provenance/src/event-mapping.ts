import { type ImageEvent, isFinal, isRunFinal, type ItemFacts, type JobEvent, type JobFacts, type RunFacts, type WorkflowEvent } from '@cairn/contracts';
import type { GraphBatch, JobContext } from './graph-batch';
import { nodeId } from './graph-ids';

/** One event of the three streams, with the id it is recorded by. */
export type ProvEvent =
  | { stream: 'jobs'; id: string; event: JobEvent }
  | { stream: 'workflows'; id: string; event: WorkflowEvent }
  | { stream: 'images'; id: string; seq: number; event: ImageEvent };

/** Hashed files whose job's facts were not recorded yet: applied once they are. */
export type DeferredPayload = { kind: 'job-run'; jobId: string; key: number; run: RunFacts } | { kind: 'item'; runId: string; stepKey: string; key: number; item: ItemFacts };

/** Where a mapping finds (and records) the facts of jobs, and where it parks what waits for them. */
export interface MappingContext {
  context(jobId: string): JobContext | undefined;
  setContext(jobId: string, context: JobContext): void;
  defer(jobId: string, eventId: string, payload: DeferredPayload): void;
  /** The payloads parked for `jobId` (from earlier batches and this one), taken out. */
  takeDeferred(jobId: string): DeferredPayload[];
}

/** Most characters of one attribute value (provNodeSchema). */
const MAX_VALUE = 4096;
const text = (value: string): string => (value.length > MAX_VALUE ? value.slice(0, MAX_VALUE) : value);

/**
 * An event's ordering key: its time (ms) then its sequence, as one number below 2^53. Each
 * attribute keeps the value of the event with the highest key that set it.
 */
export function eventKey(time: string, sequence: number): number {
  const ms = Date.parse(time);
  return (Number.isNaN(ms) ? 0 : ms) * 1000 + (sequence % 1000);
}

/** Applies one event to the batch (docs/provenance.md, "The graph"). */
export function mapEvent(batch: GraphBatch, event: ProvEvent, ctx: MappingContext): void {
  switch (event.stream) {
    case 'jobs':
      return mapJobEvent(batch, event.id, event.event, ctx);
    case 'workflows':
      return mapWorkflowEvent(batch, event.id, event.event, ctx);
    case 'images':
      return mapImageEvent(batch, event.event, event.seq);
  }
}

function personOf(batch: GraphBatch, owner: JobFacts['owner'], key: number): string {
  const id = nodeId.person(owner);
  batch.node(id, { name: owner.name, posix_user: owner.posixUser, issuer: owner.issuer, subject: owner.subject }, key);
  return id;
}

function timesOf(run: Pick<RunFacts, 'host' | 'startTime' | 'endTime'>): Record<string, string> {
  return {
    ...(run.host !== undefined ? { host: text(run.host) } : {}),
    ...(run.startTime !== undefined ? { start_time: run.startTime } : {}),
    ...(run.endTime !== undefined ? { end_time: run.endTime } : {}),
  };
}

export function mapJobEvent(batch: GraphBatch, eventId: string, event: JobEvent, ctx: MappingContext): void {
  const key = eventKey(event.time, event.sequence);
  const job = nodeId.job(event.jobId);
  const facts = event.facts;
  const known = facts ? contextOf(event.jobId, facts) : ctx.context(event.jobId);
  const runId = known?.runId;
  const attributes: Record<string, string> = {
    state: event.state,
    reason: text(event.reason),
    ...(event.exitCode !== null ? { exit_code: String(event.exitCode) } : {}),
    ...(event.slurmJobId !== '' ? { slurm_job_id: event.slurmJobId } : {}),
    ...(event.state === 'RUNNING' ? { start_time: event.time } : {}),
    ...(isFinal(event.state) ? { end_time: event.time } : {}),
    ...(event.run ? timesOf(event.run) : {}),
  };
  if (facts) {
    Object.assign(attributes, {
      name: facts.name,
      command: text(JSON.stringify(facts.command)),
      resources: text(JSON.stringify(facts.resources)),
      items: String(facts.items),
      account: facts.account,
      site: facts.site,
      image: facts.image,
      image_ref: facts.imageRef,
      digest: facts.digest,
    });
  }
  batch.node(job, attributes, key, runId);
  batch.job({ jobId: event.jobId, runId: runId ?? event.jobId, runSure: runId !== undefined, final: isFinal(event.state), ...(facts && known ? { context: known } : {}) });
  if (facts && known) {
    const ends = { fromRun: known.runId };
    batch.edge('wasAssociatedWith', job, personOf(batch, facts.owner, key), { role: 'owner' }, ends);
    batch.node(nodeId.site(facts.site), { site: facts.site }, key);
    batch.edge('wasAssociatedWith', job, nodeId.site(facts.site), { role: 'site' }, ends);
    const image = nodeId.image(facts.digest);
    batch.node(image, { digest: facts.digest, reference: facts.image, image_ref: facts.imageRef }, key);
    batch.edge('used', job, image, { role: 'image' }, ends);
    for (const use of known.uses) batch.edge('used', job, nodeId.runFile(known.runId, use), { role: 'input' }, ends);
    if (facts.runId === undefined) {
      batch.run({
        runId: event.jobId,
        kind: 'job',
        owner: facts.owner,
        account: facts.account,
        site: facts.site,
        name: facts.name,
        images: [{ reference: facts.image, imageRef: facts.imageRef, digest: facts.digest }],
        stateKey: 0,
        final: false,
      });
    }
    ctx.setContext(event.jobId, known);
    for (const parked of ctx.takeDeferred(event.jobId)) applyDeferred(batch, parked, known);
  }
  if (event.run && (event.run.outputs?.length || event.run.inputs?.length)) {
    const payload: DeferredPayload = { kind: 'job-run', jobId: event.jobId, key, run: event.run };
    if (known) applyDeferred(batch, payload, known);
    else ctx.defer(event.jobId, eventId, payload);
  }
}

function contextOf(jobId: string, facts: JobFacts): JobContext {
  return { runId: facts.runId ?? jobId, ...(facts.stepDir !== undefined && facts.stepDir !== '' ? { stepDir: facts.stepDir } : {}), site: facts.site, uses: facts.uses ?? [] };
}

/** Links hashed files once the job's facts are known: outputs generated by the activity, inputs it used. */
export function applyDeferred(batch: GraphBatch, payload: DeferredPayload, context: JobContext): void {
  if (payload.kind === 'job-run') {
    linkFiles(batch, nodeId.job(payload.jobId), context, payload.run, payload.key);
  } else {
    linkFiles(batch, nodeId.item(payload.runId, payload.stepKey, payload.item.index), context, payload.item, payload.key);
  }
}

function linkFiles(batch: GraphBatch, activity: string, context: JobContext, run: Pick<RunFacts, 'outputs' | 'inputs'>, key: number): void {
  const ends = { fromRun: context.runId };
  const used = context.uses.map((use) => nodeId.runFile(context.runId, use));
  for (const input of run.inputs ?? []) {
    const id = nodeId.externalFile(context.site, input.path, input.sha256);
    batch.node(id, { path: input.path, sha256: input.sha256, size: String(input.size), kind: input.kind }, key);
    batch.edge('used', activity, id, { role: 'input' }, ends);
    used.push(id);
  }
  for (const output of run.outputs ?? []) {
    const path = context.stepDir ? `${context.stepDir}/${output.path}` : output.path;
    const id = nodeId.runFile(context.runId, path);
    batch.node(id, { path, sha256: output.sha256, size: String(output.size), kind: output.kind }, key);
    batch.edge('wasGeneratedBy', id, activity, { role: 'output', name: output.path }, { toRun: context.runId });
    for (const source of used) batch.edge('wasDerivedFrom', id, source);
  }
}

/** "learn[2].train" → the iteration it belongs to ("learn", 2); undefined at the top level. */
export function enclosingIteration(key: string): { loop: string; n: number } | undefined {
  const cut = key.lastIndexOf('].');
  const scope = cut >= 0 ? key.slice(0, cut + 1) : /\[\d+\]$/.test(key) ? key : undefined;
  if (scope === undefined) return undefined;
  const match = /^(.*)\[(\d+)\]$/.exec(scope);
  return match?.[1] !== undefined && match[2] !== undefined ? { loop: match[1], n: Number(match[2]) } : undefined;
}

function parentOf(runId: string, key: string): string {
  const iteration = enclosingIteration(key);
  return iteration ? nodeId.iteration(runId, iteration.loop, iteration.n) : nodeId.run(runId);
}

export function mapWorkflowEvent(batch: GraphBatch, eventId: string, event: WorkflowEvent, ctx: MappingContext): void {
  const key = eventKey(event.time, event.sequence);
  const { runId } = event;
  const run = nodeId.run(runId);
  const submitted = event.submitted;
  if (submitted) {
    batch.node(run, { name: submitted.name, file_name: submitted.fileName, account: submitted.account, site: submitted.site, start_time: event.time, ...(submitted.rerunOf ? { rerun_of: submitted.rerunOf } : {}) }, key);
    batch.run({
      runId,
      kind: 'workflow',
      owner: submitted.owner,
      account: submitted.account,
      site: submitted.site,
      name: submitted.name,
      submitted: {
        fileName: submitted.fileName,
        source: submitted.source,
        sourceSha256: submitted.sourceSha256,
        params: submitted.params,
        images: submitted.images,
        ...(submitted.rerunOf ? { rerunOf: submitted.rerunOf } : {}),
      },
      stateKey: 0,
      final: false,
    });
    batch.edge('wasAssociatedWith', run, personOf(batch, submitted.owner, key), { role: 'owner' });
    const file = nodeId.workflowFile(submitted.sourceSha256);
    batch.node(file, { sha256: submitted.sourceSha256, file_name: submitted.fileName, name: submitted.name, size: String(Buffer.byteLength(submitted.source)) }, key);
    batch.edge('wasAssociatedWith', run, file, { role: 'plan' });
    batch.edge('used', run, file, { role: 'plan' });
    const params = nodeId.params(runId);
    batch.node(params, Object.fromEntries(Object.entries(submitted.params).map(([name, value]) => [`param.${name}`, text(JSON.stringify(value))])), key);
    batch.edge('used', run, params, { role: 'params' });
    if (submitted.rerunOf) batch.edge('wasDerivedFrom', run, nodeId.run(submitted.rerunOf), { role: 'rerun' });
  }
  if (event.run) {
    const final = isRunFinal(event.run.state);
    batch.node(run, { state: event.run.state, reason: text(event.run.reason), ...(final ? { end_time: event.time } : {}) }, key);
    batch.run({ runId, kind: 'workflow', state: event.run.state, stateKey: key, final });
  }
  if (event.step) {
    const step = event.step;
    const id = nodeId.step(runId, step.key);
    batch.node(
      id,
      {
        path: step.path,
        iteration: String(step.iteration),
        kind: step.kind,
        state: step.state,
        attempt: String(step.attempt),
        requeues: String(step.requeues),
        slurm_job_ids: text(step.slurmJobIds.join(',')),
        reason: text(step.reason),
        ...(step.kind === 'array' ? { items: String(step.items.total) } : {}),
        ...(step.startTime !== undefined ? { start_time: step.startTime } : {}),
        ...(step.endTime !== undefined ? { end_time: step.endTime } : {}),
      },
      key,
    );
    batch.edge('partOf', id, parentOf(runId, step.key));
    for (const need of step.needs ?? []) batch.edge('wasInformedBy', id, nodeId.step(runId, need));
    for (const jobId of step.jobIds) {
      batch.edge('partOf', nodeId.job(jobId), id, {}, { fromRun: runId });
      batch.job({ jobId, runId, runSure: true, final: false });
    }
  }
  if (event.iteration) {
    const it = event.iteration;
    const id = nodeId.iteration(runId, it.loop, it.iteration);
    batch.node(
      id,
      {
        loop: it.loop,
        iteration: String(it.iteration),
        state: it.state,
        decision: text(it.decision),
        stop: it.stop,
        start_time: it.startTime,
        ...(it.endTime !== undefined ? { end_time: it.endTime } : {}),
        ...Object.fromEntries(Object.entries(it.metrics).map(([name, value]) => [`metric.${name}`, String(value)])),
      },
      key,
    );
    batch.edge('partOf', id, parentOf(runId, it.loop));
    if (it.iteration > 1) batch.edge('wasInformedBy', id, nodeId.iteration(runId, it.loop, it.iteration - 1));
    if (it.decision !== '') {
      const decision = nodeId.decision(runId, it.loop, it.iteration);
      batch.node(decision, { decision: text(it.decision) }, key);
      batch.edge('wasGeneratedBy', decision, id, { role: 'decision' });
    }
  }
  if (event.items) {
    const { stepKey } = event.items;
    for (const item of event.items.items) {
      const id = nodeId.item(runId, stepKey, item.index);
      batch.node(
        id,
        {
          index: String(item.index),
          ...(item.exitCode !== null ? { exit_code: String(item.exitCode) } : {}),
          slurm_job_id: item.slurmJobId,
          job_id: item.jobId,
          ...timesOf(item),
        },
        key,
      );
      batch.edge('partOf', id, nodeId.step(runId, stepKey));
      // The array job it ran in: its image, and "which results used this image?" through it.
      batch.edge('partOf', id, nodeId.job(item.jobId), {}, { toRun: runId });
      if (!item.outputs?.length && !item.inputs?.length) continue;
      const payload: DeferredPayload = { kind: 'item', runId, stepKey, key, item };
      const known = ctx.context(item.jobId);
      if (known) applyDeferred(batch, payload, known);
      else ctx.defer(item.jobId, `${eventId}#${item.index}`, payload);
    }
  }
}

function mapImageEvent(batch: GraphBatch, event: ImageEvent, seq: number): void {
  batch.node(nodeId.image(event.digest), { digest: event.digest, reference: event.reference, image_ref: event.imageRef, registry: event.registry }, eventKey(event.time, seq));
}
