import type { ProvEdge, ProvNode } from '@cairn/contracts';
import { encodeId, nodeIri } from './graph';
import { imageParts, roCrateEntries, workflowPath } from './ro-crate';
import type { JsonLdEntity } from './ro-crate-terms';
import { RUN_ID, sampleGraph, sampleSource } from './testing/sample-run';
import { crateQuads, crateWarnings, validateCrate } from './validate';

type Crate = { '@context': unknown; '@graph': JsonLdEntity[] };
const build = (): { crate: Crate; files: Map<string, Buffer> } => {
  const entries = roCrateEntries(sampleGraph(), sampleSource());
  return { crate: JSON.parse((entries[0]?.data ?? Buffer.alloc(0)).toString('utf8')) as Crate, files: new Map(entries.map((e) => [e.path, e.data])) };
};
const entity = (crate: Crate, id: string): JsonLdEntity => {
  const found = crate['@graph'].find((e) => e['@id'] === id);
  if (!found) throw new Error(`no entity ${id}`);
  return found;
};
const ofType = (crate: Crate, type: string): JsonLdEntity[] => crate['@graph'].filter((e) => ([] as string[]).concat(e['@type'] as string | string[]).includes(type));
const local = (id: string): string => `#${encodeId(id)}`;
/** The crate with one entity changed (or removed when change returns undefined). */
const edit = (crate: Crate, id: string, change: (e: JsonLdEntity) => JsonLdEntity | undefined): Crate => ({
  ...crate,
  '@graph': crate['@graph'].flatMap((e) => (e['@id'] === id ? [change({ ...e })].filter((x): x is JsonLdEntity => x !== undefined) : [e])),
});

describe('roCrateEntries', () => {
  const { crate, files } = build();

  it('is a valid Provenance Run Crate: SHACL shapes of the profiles and the ro-crate package checks', async () => {
    expect(await validateCrate(crate, files)).toEqual([]);
    // The one SHOULD it misses: Cairn itself has no URL to give.
    expect(await crateWarnings(crate)).toEqual(['shacl: arcp://name,cairn-crate/#cairn http://schema.org/url: A tool SHOULD have a url']);
  }, 60_000);

  it('holds the metadata, the workflow file under its name and the PROV-JSON, in that order', () => {
    expect([...files.keys()]).toEqual(['ro-crate-metadata.json', 'workflow.yaml', 'prov.json']);
    expect(files.get('workflow.yaml')?.toString('utf8')).toBe(sampleSource().source);
    const root = entity(crate, './');
    expect(root['conformsTo']).toEqual([
      { '@id': 'https://w3id.org/ro/wfrun/process/0.5' },
      { '@id': 'https://w3id.org/ro/wfrun/workflow/0.5' },
      { '@id': 'https://w3id.org/ro/wfrun/provenance/0.5' },
      { '@id': 'https://w3id.org/workflowhub/workflow-ro-crate/1.0' },
    ]);
    expect(root['mainEntity']).toEqual({ '@id': 'workflow.yaml' });
    expect(entity(crate, 'workflow.yaml')['@type']).toEqual(['File', 'SoftwareSourceCode', 'ComputationalWorkflow', 'HowTo']);
    expect(entity(crate, 'prov.json')['contentSize']).toBe(String(files.get('prov.json')?.length));
  });

  it('records the run as a CreateAction of the person with the workflow, inputs, parameters and outputs', () => {
    const run = entity(crate, local(`run:${RUN_ID}`));
    expect(run).toMatchObject({
      '@type': 'CreateAction',
      instrument: { '@id': 'workflow.yaml' },
      agent: [{ '@id': local('person:https://idp.example.edu#alice') }],
      startTime: '2026-11-30T12:00:00.000Z',
      endTime: '2026-11-30T12:00:50.000Z',
      actionStatus: { '@id': 'http://schema.org/CompletedActionStatus' },
    });
    expect(run['object']).toEqual(expect.arrayContaining([{ '@id': nodeIri(`file:hpc1:/data/pool.csv@${'d'.repeat(64)}`) }, { '@id': '#pv/rounds' }]));
    expect(run['result']).toContainEqual({ '@id': nodeIri(`file:${RUN_ID}/learn/1/train/model.npz`) });
    expect(entity(crate, '#pv/rate')).toMatchObject({ '@type': 'PropertyValue', value: 0.5, exampleOfWork: { '@id': '#param/rate' } });
    expect(entity(crate, '#param/verbose')).toMatchObject({ '@type': 'FormalParameter', additionalType: 'Boolean' });
    expect(entity(crate, nodeIri(`file:${RUN_ID}/prepare/pool.npz`))).toMatchObject({ '@type': 'File', sha256: 'e'.repeat(64), contentSize: '1024' });
    expect(entity(crate, nodeIri(`file:${RUN_ID}/sweep/0/out`))['@type']).toBe('Dataset');
  });

  it('has a HowToStep and tool per step of the file, a ControlAction per step instance over its job and item CreateActions', () => {
    const positions = Object.fromEntries(ofType(crate, 'HowToStep').map((s) => [s['name'], s['position']]));
    // Every step of the file that has instances (a skipped one too), each after the steps it needs.
    expect(Object.keys(positions).sort()).toEqual(['learn.train', 'prepare', 'report', 'sweep']);
    expect(Number(positions['prepare'])).toBeLessThan(Number(positions['learn.train']));
    expect(Number(positions['learn.train'])).toBeLessThan(Number(positions['sweep']));
    const sweep = entity(crate, local(`step:${RUN_ID}/sweep`));
    expect(sweep).toMatchObject({ '@type': 'ControlAction', instrument: { '@id': '#step/sweep' }, actionStatus: { '@id': 'http://schema.org/FailedActionStatus' } });
    expect(sweep['object']).toEqual([
      { '@id': local('item:0b6f3a52-8a7e-4c1e-9d3b-5f2a7c9e1d40/sweep/0') },
      { '@id': local('item:0b6f3a52-8a7e-4c1e-9d3b-5f2a7c9e1d40/sweep/1') },
      { '@id': local('job:44444444-4444-4444-8444-444444444444') },
    ]);
    // A skipped step has no execution to describe.
    expect(crate['@graph'].some((e) => e['@id'] === local(`step:${RUN_ID}/report`))).toBe(false);
    const failedItem = entity(crate, local(`item:${RUN_ID}/sweep/1`));
    expect(failedItem).toMatchObject({ actionStatus: { '@id': 'http://schema.org/FailedActionStatus' }, error: 'exit code 3', instrument: { '@id': '#tool/sweep' } });
    const engine = ofType(crate, 'OrganizeAction')[0];
    expect(engine?.['result']).toEqual({ '@id': local(`run:${RUN_ID}`) });
    expect(engine?.['object']).toHaveLength(4);
  });

  it('names each container image by its sha256 digest, registry, name and tag', () => {
    expect(entity(crate, local(`image:sha256:${'a'.repeat(64)}`))).toMatchObject({
      '@type': 'ContainerImage',
      additionalType: { '@id': 'https://w3id.org/ro/terms/workflow-run#DockerImage' },
      registry: 'registry.example.edu:5000',
      name: 'lab/python',
      tag: '3.12',
      sha256: 'a'.repeat(64),
    });
    expect(entity(crate, local('job:11111111-1111-4111-8111-111111111111'))['containerImage']).toEqual({ '@id': local(`image:sha256:${'a'.repeat(64)}`) });
    expect(entity(crate, local(`item:${RUN_ID}/sweep/0`))['containerImage']).toEqual({ '@id': local(`image:sha256:${'b'.repeat(64)}`) });
  });

  it('expands to RDF with no term left undefined (jsonld safe mode, offline contexts)', async () => {
    const quads = await crateQuads(crate);
    expect(quads.some((q) => q.predicate.value === 'https://w3id.org/ro/terms/workflow-run#containerImage')).toBe(true);
    await expect(crateQuads({ ...crate, '@graph': [...crate['@graph'], { '@id': '#x', '@type': 'Thing', madeUpTerm: 1 }] })).rejects.toThrow();
    await expect(crateQuads({ ...crate, '@context': ['https://example.org/context'] })).rejects.toThrow(/example\.org\/context/);
  });
});

describe('crates of runs in other shapes', () => {
  const crateOf = (graph: { nodes: ProvNode[]; edges: ProvEdge[] }, source = sampleSource()): Crate => JSON.parse((roCrateEntries(graph, source)[0]?.data ?? Buffer.alloc(0)).toString('utf8')) as Crate;

  it('a run still running: active, no end, published at its start', async () => {
    const graph = sampleGraph();
    const running = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.type === 'run' || n.id.endsWith('/sweep') ? { ...n, attributes: { ...n.attributes, state: 'RUNNING', end_time: '' } } : n)),
    };
    const crate = crateOf(running);
    expect(await validateCrate(crate)).toEqual([]);
    expect(entity(crate, local(`run:${RUN_ID}`))).toMatchObject({ actionStatus: { '@id': 'http://schema.org/ActiveActionStatus' } });
    expect(entity(crate, local(`run:${RUN_ID}`))['endTime']).toBeUndefined();
    expect(entity(crate, './')['datePublished']).toBe('2026-11-30T12:00:00.000Z');
  }, 60_000);

  it('a job outside any workflow: the job is the run', async () => {
    const jobId = '55555555-5555-4555-8555-555555555555';
    const job = `job:${jobId}`;
    const graph: { nodes: ProvNode[]; edges: ProvEdge[] } = {
      nodes: [
        { id: job, kind: 'activity' as const, type: 'job' as const, label: 'hello', runId: jobId, attributes: { name: 'hello', state: 'COMPLETED', exit_code: '0', start_time: '2026-11-30T12:00:00Z', end_time: '2026-11-30T12:00:05Z' } },
        { id: `file:${jobId}/out.txt`, kind: 'entity' as const, type: 'file' as const, label: '', runId: jobId, attributes: { path: 'out.txt', sha256: '9'.repeat(64), size: '3', kind: 'file' } },
        { id: `image:sha256:${'a'.repeat(64)}`, kind: 'entity' as const, type: 'image' as const, label: '', runId: '', attributes: { digest: `sha256:${'a'.repeat(64)}`, reference: 'busybox', image_ref: `busybox@sha256:${'a'.repeat(64)}` } },
      ],
      edges: [
        { relation: 'used' as const, from: job, to: `image:sha256:${'a'.repeat(64)}`, attributes: { role: 'image' } },
        { relation: 'wasGeneratedBy' as const, from: `file:${jobId}/out.txt`, to: job, attributes: { role: 'output' } },
      ],
    };
    const crate = crateOf(graph, sampleSource({ runId: jobId, name: 'hello', fileName: 'hello.yaml', params: {}, images: [] }));
    const run = entity(crate, local(job));
    expect(run).toMatchObject({ '@type': 'CreateAction', instrument: { '@id': 'hello.yaml' }, actionStatus: { '@id': 'http://schema.org/CompletedActionStatus' } });
    expect(run['result']).toEqual([{ '@id': nodeIri(`file:${jobId}/out.txt`) }]);
    // Its file's one step is the job's command.
    expect(entity(crate, 'hello.yaml')['hasPart']).toEqual([{ '@id': '#tool/hello' }]);
    expect(await validateCrate(crate)).toEqual([]);
  }, 60_000);
});

describe('validateCrate rejects a crate missing a MUST', () => {
  const { crate, files } = build();
  const image = local(`image:sha256:${'a'.repeat(64)}`);
  const strip = (key: string) => (e: JsonLdEntity): JsonLdEntity => Object.fromEntries(Object.entries(e).filter(([k]) => k !== key)) as JsonLdEntity;

  it.each<[string, Crate, string]>([
    ['a ContainerImage without its digest', edit(crate, image, strip('sha256')), 'ContainerImage MUST carry its sha256'],
    ['a ContainerImage with a short digest', edit(crate, image, (e) => ({ ...e, sha256: 'abc' })), 'ContainerImage MUST carry its sha256'],
    ['no Provenance Run Crate in conformsTo', edit(crate, './', (e) => ({ ...e, conformsTo: [{ '@id': 'https://w3id.org/ro/wfrun/process/0.5' }] })), 'Provenance Run Crate 0.5'],
    ['a ControlAction without its HowToStep', edit(crate, local(`step:${RUN_ID}/prepare`), strip('instrument')), 'ControlAction MUST reference its HowToStep'],
    ['a CreateAction without an instrument', edit(crate, local('job:22222222-2222-4222-8222-222222222222'), strip('instrument')), 'CreateAction MUST have one instrument'],
    ['a HowToStep without its tool', edit(crate, '#step/prepare', strip('workExample')), 'HowToStep MUST reference the tool'],
    ['an OrganizeAction without the run', edit(crate, `#engine/${RUN_ID}`, strip('result')), 'OrganizeAction MUST reference the workflow run'],
    ['a workflow that is not a ComputationalWorkflow', edit(crate, 'workflow.yaml', (e) => ({ ...e, '@type': ['File', 'SoftwareSourceCode'] })), 'ComputationalWorkflow'],
    ['an output without its hash', edit(crate, nodeIri(`file:${RUN_ID}/prepare/pool.npz`), strip('sha256')), 'every output MUST carry its sha256'],
    ['a root without a license', edit(crate, './', strip('license')), 'license'],
  ])('%s', async (_name, bad, expected) => {
    const problems = await validateCrate(bad, files);
    expect(problems.join('\n')).toContain(expected);
  }, 60_000);

  it('a zip without the workflow file the crate describes, or with a file it does not describe', async () => {
    const missing = new Map(files);
    missing.delete('workflow.yaml');
    expect((await validateCrate(crate, missing)).join('\n')).toContain('validCrateDataEntityPath');
    const extra = new Map(files).set('notes.txt', Buffer.from('x'));
    expect((await validateCrate(crate, extra)).join('\n')).toContain('notes.txt');
  }, 60_000);
});

describe('crate naming', () => {
  it.each([
    ['workflow.yaml', 'workflow.yaml'],
    ['../../etc/passwd', 'passwd'],
    ['dir\\sweep run.yaml', 'sweep_run.yaml'],
    ['.hidden.yaml', 'hidden.yaml'],
    ['', 'workflow.yaml'],
    ['prov.json', 'workflow-prov.json'],
    ['ro-crate-metadata.json', 'workflow-ro-crate-metadata.json'],
  ])('the workflow file %j goes into the crate as %j', (name, path) => {
    expect(workflowPath(name)).toBe(path);
  });

  it.each([
    ['registry.example.edu:5000/lab/python@sha256:x', 'lab/python:3.12', { registry: 'registry.example.edu:5000', name: 'lab/python', tag: '3.12' }],
    ['busybox@sha256:x', 'busybox', { registry: 'docker.io', name: 'busybox' }],
    ['localhost/app@sha256:x', 'localhost/app@sha256:x', { registry: 'localhost', name: 'app' }],
    ['lab/app@sha256:x', 'lab/app:v1', { registry: 'docker.io', name: 'lab/app', tag: 'v1' }],
  ])('image %s written as %s', (imageRef, reference, parts) => {
    expect(imageParts(imageRef, reference)).toEqual(parts);
  });
});
