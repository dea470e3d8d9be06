import { createHash } from 'node:crypto';
import type { ProvNode } from '@cairn/contracts';
import { edgesInto, edgesOf, encodeId, isoTime, nodeIri, normalizeGraph, topActivity, typeOf, wholeNumber, type NormalGraph, type RunGraph, type RunSource } from './graph';
import { toProvJson } from './prov-json';
import {
  ENGINE_ID,
  FORMAL_PARAMETER_PROFILE,
  LANGUAGE_ID,
  LICENSE_ID,
  METADATA_FILE,
  PROFILES,
  PROV_FILE,
  PROV_JSON_SPEC,
  ref,
  RESERVED_FILES,
  RO_CRATE_CONTEXT_URL,
  RO_CRATE_SPEC,
  WORKFLOW_RUN_CONTEXT_URL,
  WORKFLOW_RUN_TERMS,
  type JsonLdEntity,
  type JsonLdValue,
} from './ro-crate-terms';

/**
 * A run as a Workflow Run RO-Crate of the Provenance Run Crate profile 0.5
 * (https://w3id.org/ro/wfrun/provenance/0.5): the workflow file is the crate's main entity
 * (File, SoftwareSourceCode, ComputationalWorkflow, HowTo) and travels in the crate; the run
 * is a CreateAction; each step of the file a HowToStep implemented by a tool
 * (SoftwareApplication); each step instance a ControlAction over the CreateActions of its
 * Slurm jobs and array items; Cairn's scheduler an OrganizeAction; parameters
 * FormalParameter + PropertyValue; images ContainerImage by digest; files by sha256 and
 * size (they stay on the cluster: their @id is urn:cairn:node:<node id>); the whole PROV
 * graph as prov.json.
 */
export interface CrateEntry {
  readonly path: string;
  readonly data: Buffer;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
/** A crate-local identifier for a graph node. */
const local = (id: string): string => `#${encodeId(id)}`;
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const refs = (ids: Iterable<string>): { '@id': string }[] => [...new Set(ids)].sort(compare).map(ref);

const SUCCESS = new Set(['SUCCEEDED', 'COMPLETED']);
const ACTIVE = new Set(['RUNNING', 'PENDING', 'WAITING', 'QUEUED', 'ACCEPTED', 'SUBMITTED', 'STAGING', 'REQUEUED', 'CONFIGURING', 'STARTING']);

/** schema.org action status of a recorded state (or exit code), with the error when it failed. */
function status(node: ProvNode): Record<string, JsonLdValue> {
  const state = node.attributes['state']?.toUpperCase();
  const exit = wholeNumber(node.attributes['exit_code']);
  const failed = (error: string): Record<string, JsonLdValue> => ({ actionStatus: ref('http://schema.org/FailedActionStatus'), error });
  if (state !== undefined && SUCCESS.has(state)) return { actionStatus: ref('http://schema.org/CompletedActionStatus') };
  if (state !== undefined && ACTIVE.has(state)) return { actionStatus: ref('http://schema.org/ActiveActionStatus') };
  if (state !== undefined) return failed(node.attributes['reason'] || (exit !== undefined ? `exit code ${exit}` : state));
  if (exit === 0) return { actionStatus: ref('http://schema.org/CompletedActionStatus') };
  if (exit !== undefined) return failed(`exit code ${exit}`);
  return {};
}

function times(node: ProvNode): Record<string, JsonLdValue> {
  const out: Record<string, JsonLdValue> = {};
  const start = isoTime(node.attributes['start_time']);
  const end = isoTime(node.attributes['end_time']);
  if (start) out['startTime'] = start;
  if (end) out['endTime'] = end;
  return out;
}

/** The crate path of the workflow file: its base name, made safe, never a crate file's name. */
export function workflowPath(fileName: string): string {
  const base = (fileName.split(/[\\/]/).pop() ?? '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  if (!base) return 'workflow.yaml';
  return RESERVED_FILES.has(base) ? `workflow-${base}` : base;
}

/** A step instance's key (`learn[2].train`) and the step of the file it runs (`learn.train`). */
function stepKey(runId: string, id: string): string {
  const prefix = `step:${runId}/`;
  return id.startsWith(prefix) ? id.slice(prefix.length) : id.slice(id.indexOf('/') + 1);
}
const stepDefinition = (key: string): string => key.replace(/\[\d+\]/g, '');

/** Registry, repository and tag of an image from its pinned reference and the reference as written. */
export function imageParts(imageRef: string, reference: string): { registry: string; name: string; tag?: string } {
  const repo = imageRef.split('@')[0] ?? imageRef;
  const first = repo.split('/')[0] ?? '';
  const hasRegistry = repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  const name = hasRegistry ? repo.slice(first.length + 1) : repo;
  const lastColon = reference.lastIndexOf(':');
  const tag = !reference.includes('@') && lastColon > reference.lastIndexOf('/') ? reference.slice(lastColon + 1) : undefined;
  return tag ? { registry, name, tag } : { registry, name };
}

/** Steps of the file in an order where each comes after the steps it needs. */
function stepPositions(graph: NormalGraph, runId: string, steps: readonly ProvNode[]): Map<string, number> {
  const defs = [...new Set(steps.map((s) => stepDefinition(stepKey(runId, s.id))))].sort(compare);
  const needs = new Map(defs.map((d) => [d, new Set<string>()]));
  for (const edge of edgesOf(graph, 'wasInformedBy')) {
    if (typeOf(graph, edge.from) !== 'step' || typeOf(graph, edge.to) !== 'step') continue;
    const from = stepDefinition(stepKey(runId, edge.from));
    const to = stepDefinition(stepKey(runId, edge.to));
    if (from !== to) needs.get(from)?.add(to);
  }
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < defs.length) {
    const ready = defs.filter((d) => !placed.has(d) && [...(needs.get(d) ?? [])].every((n) => placed.has(n) || !needs.has(n)));
    const next = ready.length > 0 ? ready : defs.filter((d) => !placed.has(d)).slice(0, 1); // a cycle: break it in name order
    for (const d of next) {
      placed.add(d);
      order.push(d);
    }
  }
  return new Map(order.map((d, i) => [d, i]));
}

/** The RO-Crate metadata (ro-crate-metadata.json) of a run, given the bytes of its prov.json. */
export function roCrateMetadata(input: RunGraph, source: RunSource, provJson: Buffer): { '@context': string[]; '@graph': JsonLdEntity[] } {
  const graph = normalizeGraph(input);
  const runId = source.runId;
  const top = topActivity(graph, runId);
  const runActionId = local(top?.id ?? `run:${runId}`);
  const wfPath = workflowPath(source.fileName);
  const wfBytes = Buffer.from(source.source, 'utf8');
  const wfSha256 = sha256(wfBytes);
  const entities: JsonLdEntity[] = [];
  const add = (entity: JsonLdEntity): void => {
    entities.push(entity);
  };

  const partOf = (id: string): string[] => edgesOf(graph, 'partOf', id).map((e) => e.to);
  const agentsOf = (id: string, role: string): string[] =>
    edgesOf(graph, 'wasAssociatedWith', id)
      .filter((e) => e.attributes['role'] === role || (role === 'owner' && typeOf(graph, e.to) === 'person'))
      .filter((e) => typeOf(graph, e.to) === (role === 'site' ? 'site' : 'person'))
      .map((e) => e.to);
  const runPeople = top ? agentsOf(top.id, 'owner') : [];

  // Files: inputs and outputs by hash and size.
  const files = graph.nodes.filter((n) => n.type === 'file');
  const fileIds = new Set(files.map((f) => f.id));
  const usedFiles = (id: string): string[] => edgesOf(graph, 'used', id).filter((e) => fileIds.has(e.to)).map((e) => nodeIri(e.to));
  const generated = (id: string): string[] =>
    edgesInto(graph, 'wasGeneratedBy', id)
      .filter((e) => fileIds.has(e.from))
      .map((e) => nodeIri(e.from));
  const generatedInRun = new Set(edgesOf(graph, 'wasGeneratedBy').filter((e) => fileIds.has(e.from)).map((e) => e.from));

  // Images, from the graph and from the run's source, by digest.
  const images = new Map<string, { id: string; digest: string; imageRef: string; reference: string }>();
  for (const image of source.images) images.set(image.digest, { id: `image:${image.digest}`, digest: image.digest, imageRef: image.imageRef, reference: image.reference });
  for (const n of graph.nodes.filter((x) => x.type === 'image')) {
    const digest = n.attributes['digest'] || n.id.slice('image:'.length);
    images.set(digest, { id: n.id, digest, imageRef: n.attributes['image_ref'] || images.get(digest)?.imageRef || '', reference: n.attributes['reference'] || images.get(digest)?.reference || '' });
  }
  const imagesUsedBy = (id: string): string[] => edgesOf(graph, 'used', id).filter((e) => typeOf(graph, e.to) === 'image').map((e) => local(e.to));

  // Steps of the file (HowToStep + tool) and their instances (ControlAction).
  const steps = graph.nodes.filter((n) => n.type === 'step');
  const positions = stepPositions(graph, runId, steps);
  const toolOf = (definition: string): string => `#tool/${encodeId(definition)}`;
  const howToOf = (definition: string): string => `#step/${encodeId(definition)}`;
  const runs = graph.nodes.filter((n) => (n.type === 'job' || n.type === 'item') && n.id !== top?.id);
  const stepOfRun = (id: string): ProvNode | undefined => partOf(id).map((s) => graph.byId.get(s)).find((s) => s?.type === 'step');
  const jobImagesOfStep = new Map<string, string[]>();
  for (const run of runs) {
    const step = run.type === 'job' ? stepOfRun(run.id) : undefined;
    if (step) jobImagesOfStep.set(step.id, [...(jobImagesOfStep.get(step.id) ?? []), ...imagesUsedBy(run.id)]);
  }
  const toolRunsOf = new Map<string, string[]>();
  const createActions: string[] = [];

  for (const run of runs) {
    const step = stepOfRun(run.id);
    const definition = step ? stepDefinition(stepKey(runId, step.id)) : run.attributes['name'] || run.label || run.type;
    if (!step && !positions.has(definition)) positions.set(definition, positions.size);
    const jobImages = step ? (jobImagesOfStep.get(step.id) ?? []) : imagesUsedBy(run.id);
    const people = agentsOf(run.id, 'owner');
    const sites = agentsOf(run.id, 'site');
    const image = [...new Set([...imagesUsedBy(run.id), ...jobImages])].sort(compare);
    const action: JsonLdEntity = {
      '@id': local(run.id),
      '@type': 'CreateAction',
      name: run.type === 'item' ? `${step ? stepKey(runId, step.id) : definition} item ${run.attributes['index'] ?? ''}`.trim() : `${step ? stepKey(runId, step.id) : definition} (Slurm job ${run.attributes['slurm_job_id'] || run.id})`,
      instrument: ref(toolOf(definition)),
      agent: refs((people.length > 0 ? people : runPeople).map(local)),
      object: refs(usedFiles(run.id)),
      result: refs(generated(run.id)),
      ...times(run),
      ...status(run),
    };
    if (run.attributes['command']) action['description'] = run.attributes['command'];
    if (image.length > 0) action['containerImage'] = image.length === 1 ? ref(image[0] ?? '') : refs(image);
    if (sites.length > 0) action['location'] = refs(sites.map(local));
    add(action);
    createActions.push(action['@id']);
    if (step) toolRunsOf.set(step.id, [...(toolRunsOf.get(step.id) ?? []), action['@id']]);
  }

  // A job outside any workflow is its own run: the file's one step is the job's command.
  if (top?.type === 'job' && positions.size === 0) positions.set(top.attributes['name'] || top.label || 'job', 0);

  const controlActions: string[] = [];
  for (const step of steps) {
    const toolRuns = toolRunsOf.get(step.id) ?? [];
    if (toolRuns.length === 0 || step.attributes['state'] === 'SKIPPED') continue;
    add({ '@id': local(step.id), '@type': 'ControlAction', name: stepKey(runId, step.id), instrument: ref(howToOf(stepDefinition(stepKey(runId, step.id)))), object: refs(toolRuns), ...times(step), ...status(step) });
    controlActions.push(local(step.id));
  }
  const definitions = [...positions.entries()].sort(([a, i], [b, j]) => i - j || compare(a, b));
  for (const [definition, position] of definitions) {
    add({ '@id': howToOf(definition), '@type': 'HowToStep', name: definition, position, workExample: ref(toolOf(definition)) });
    // The tool is the step's command in its image, defined in the workflow file: its url is that file, its version the file's sha256.
    add({ '@id': toolOf(definition), '@type': 'SoftwareApplication', name: definition, description: `The command of step ${definition} of ${wfPath}, run in its container image.`, url: wfPath, version: wfSha256 });
  }

  // Parameters: FormalParameter of the workflow, PropertyValue of this run.
  const params = Object.entries(source.params).sort(([a], [b]) => compare(a, b));
  for (const [name, value] of params) {
    const additionalType = typeof value === 'boolean' ? 'Boolean' : typeof value === 'number' ? (Number.isInteger(value) ? 'Integer' : 'Float') : 'Text';
    add({ '@id': `#param/${encodeId(name)}`, '@type': 'FormalParameter', name, additionalType, conformsTo: ref(FORMAL_PARAMETER_PROFILE), workExample: ref(`#pv/${encodeId(name)}`) });
    add({ '@id': `#pv/${encodeId(name)}`, '@type': 'PropertyValue', name, value, exampleOfWork: ref(`#param/${encodeId(name)}`) });
  }

  for (const file of files) {
    const size = wholeNumber(file.attributes['size']);
    const entity: JsonLdEntity = {
      '@id': nodeIri(file.id),
      '@type': file.attributes['kind'] === 'dir' ? 'Dataset' : 'File',
      name: file.attributes['path'] || file.label || file.id,
      identifier: file.id,
    };
    if (file.attributes['path']) entity['alternateName'] = file.attributes['path'];
    if (file.attributes['sha256']) entity['sha256'] = file.attributes['sha256'];
    if (size !== undefined) entity['contentSize'] = String(size);
    add(entity);
  }

  for (const image of [...images.values()].sort((a, b) => compare(a.id, b.id))) {
    const parts = imageParts(image.imageRef, image.reference);
    add({
      '@id': local(image.id),
      '@type': 'ContainerImage',
      additionalType: ref(`${WORKFLOW_RUN_TERMS}DockerImage`),
      registry: parts.registry,
      name: parts.name,
      ...(parts.tag ? { tag: parts.tag } : {}),
      sha256: image.digest.replace(/^sha256:/, ''),
      ...(image.imageRef ? { url: image.imageRef } : {}),
    });
  }

  for (const person of graph.nodes.filter((n) => n.type === 'person')) {
    const entity: JsonLdEntity = { '@id': local(person.id), '@type': 'Person', name: person.attributes['name'] || person.label || person.attributes['posix_user'] || person.id, identifier: person.id };
    if (person.attributes['posix_user']) entity['alternateName'] = person.attributes['posix_user'];
    add(entity);
  }
  const siteIds = new Set([...graph.nodes.filter((n) => n.type === 'site').map((n) => n.id), ...(source.site ? [`site:${source.site}`] : [])]);
  for (const site of [...siteIds].sort(compare)) add({ '@id': local(site), '@type': 'Place', name: graph.byId.get(site)?.attributes['site'] || site.replace(/^site:/, '') });

  // The run, Cairn running it, the workflow and the crate around them.
  const inputs = files.filter((f) => !generatedInRun.has(f.id) && edgesInto(graph, 'used', f.id).length > 0).map((f) => nodeIri(f.id));
  const outputs = files.filter((f) => generatedInRun.has(f.id)).map((f) => nodeIri(f.id));
  const runAction: JsonLdEntity = {
    '@id': runActionId,
    '@type': 'CreateAction',
    name: `Run ${source.name || runId} of ${wfPath}`,
    instrument: ref(wfPath),
    agent: refs(runPeople.map(local)),
    object: [...refs(inputs), ...params.map(([name]) => ref(`#pv/${encodeId(name)}`))],
    result: refs(outputs),
    ...(source.site ? { location: ref(local(`site:${source.site}`)) } : {}),
    ...(top ? { ...times(top), ...status(top) } : {}),
  };
  add(runAction);
  add({ '@id': `#engine/${encodeId(runId)}`, '@type': 'OrganizeAction', name: `Cairn orchestrating run ${runId}`, instrument: ref(ENGINE_ID), agent: refs(runPeople.map(local)), object: refs(controlActions), result: ref(runActionId), ...(top ? { ...times(top), ...status(top) } : {}) });
  add({ '@id': ENGINE_ID, '@type': 'SoftwareApplication', name: 'Cairn', description: 'Cairn: runs workflows of containers on Slurm clusters and records their provenance.' });

  add({
    '@id': wfPath,
    '@type': ['File', 'SoftwareSourceCode', 'ComputationalWorkflow', 'HowTo'],
    name: source.name || wfPath,
    alternateName: source.fileName || wfPath,
    encodingFormat: 'application/yaml',
    programmingLanguage: ref(LANGUAGE_ID),
    sha256: wfSha256,
    contentSize: String(wfBytes.length),
    input: params.map(([name]) => ref(`#param/${encodeId(name)}`)),
    hasPart: definitions.map(([d]) => ref(toolOf(d))),
    step: definitions.map(([d]) => ref(howToOf(d))),
  });
  add({ '@id': LANGUAGE_ID, '@type': 'ComputerLanguage', name: 'Cairn workflow language', alternateName: 'Cairn workflow' });
  add({ '@id': PROV_FILE, '@type': 'File', name: 'W3C PROV-JSON of the run', encodingFormat: 'application/json', conformsTo: ref(PROV_JSON_SPEC), about: ref(runActionId), sha256: sha256(provJson), contentSize: String(provJson.length) });
  add({ '@id': PROV_JSON_SPEC, '@type': 'CreativeWork', name: 'The PROV-JSON Serialization (W3C Member Submission)' });

  const published = top ? isoTime(top.attributes['end_time']) ?? isoTime(top.attributes['start_time']) : undefined;
  const profiles = [PROFILES.process, PROFILES.workflow, PROFILES.provenance, PROFILES.workflowRoCrate];
  const root: JsonLdEntity = {
    '@id': './',
    '@type': 'Dataset',
    name: `Provenance of Cairn run ${source.name || runId} (${runId})`,
    description: `The workflow ${wfPath}, every step execution with its container image by digest, parameters, and input and output files by sha256, of Cairn run ${runId}; the full PROV graph is ${PROV_FILE}.`,
    datePublished: published ?? '1970-01-01T00:00:00Z',
    license: ref(LICENSE_ID),
    conformsTo: profiles.map((p) => ref(p.id)),
    mainEntity: ref(wfPath),
    hasPart: [ref(wfPath), ref(PROV_FILE), ...refs([...inputs, ...outputs, ...files.map((f) => nodeIri(f.id))])],
    mentions: [ref(runActionId), ...refs(createActions)],
  };
  const descriptor: JsonLdEntity = { '@id': METADATA_FILE, '@type': 'CreativeWork', about: ref('./'), conformsTo: [ref(RO_CRATE_SPEC), ref(PROFILES.workflowRoCrate.id)] };
  const profileEntities: JsonLdEntity[] = profiles.map((p) => ({ '@id': p.id, '@type': 'CreativeWork', name: p.name, version: p.version }));
  const license: JsonLdEntity = { '@id': LICENSE_ID, '@type': 'CreativeWork', name: 'Not recorded', description: 'Cairn does not record a licence for a run; ask the person who ran it.' };

  return { '@context': [RO_CRATE_CONTEXT_URL, WORKFLOW_RUN_CONTEXT_URL], '@graph': [descriptor, root, ...profileEntities, license, ...entities] };
}

/** The crate's files in zip order: ro-crate-metadata.json, the workflow file, prov.json. */
export function roCrateEntries(input: RunGraph, source: RunSource): CrateEntry[] {
  const graph = normalizeGraph(input);
  const provJson = Buffer.from(JSON.stringify(toProvJson(graph, source)), 'utf8');
  const metadata = Buffer.from(JSON.stringify(roCrateMetadata(graph, source, provJson), null, 1), 'utf8');
  return [
    { path: METADATA_FILE, data: metadata },
    { path: workflowPath(source.fileName), data: Buffer.from(source.source, 'utf8') },
    { path: PROV_FILE, data: provJson },
  ];
}
