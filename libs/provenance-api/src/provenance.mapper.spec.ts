import { CairnError, pb, type ProvNode } from '@cairn/contracts';
import fc from 'fast-check';
import { toExportFormat, toLineageQuery, toPbLineage, toPbRunProvenance, toRunProvenanceQuery } from './provenance.mapper';
import { refusal } from '@cairn/testing';

const RUN = '0b3b5a4e-8a43-4c1e-9f0a-2d4c6e8f0a1b';
const HASH = 'c'.repeat(64);

const lineage = (more: Partial<pb.LineageRequest>): pb.LineageRequest => ({ nodeId: '', sha256: '', imageDigest: '', direction: 0, maxDepth: 0, pageSize: 0, pageToken: '', ...more });

describe('provenance mapper', () => {
  it('reads a run query with the default page size, and every page size at its bounds', () => {
    expect(toRunProvenanceQuery({ runId: RUN, pageSize: 0, pageToken: '' })).toEqual({ runId: RUN, pageSize: 1000 });
    expect(toRunProvenanceQuery({ runId: RUN, pageSize: 5000, pageToken: 't' })).toEqual({ runId: RUN, pageSize: 5000, pageToken: 't' });
    expect(toRunProvenanceQuery({ runId: RUN, pageSize: 1, pageToken: '' }).pageSize).toBe(1);
    expect(refusal(() => toRunProvenanceQuery({ runId: RUN, pageSize: 5001, pageToken: '' }))).toBe('INVALID_ARGUMENT: page_size: must be 1..5000 (or unset for 1000), not 5001');
    expect(refusal(() => toRunProvenanceQuery({ runId: RUN, pageSize: -1, pageToken: '' }))).toMatch(/^INVALID_ARGUMENT: page_size/);
    expect(refusal(() => toRunProvenanceQuery({ runId: 'not-a-run', pageSize: 0, pageToken: '' }))).toMatch(/^INVALID_ARGUMENT: run_id/);
    expect(refusal(() => toRunProvenanceQuery({ runId: RUN, pageSize: 0, pageToken: 'x'.repeat(513) }))).toBe('INVALID_ARGUMENT: page_token: not a token from a previous page');
  });

  it('starts lineage from exactly one of node id, sha256 and image digest, and bounds depth and direction', () => {
    expect(toLineageQuery(lineage({ nodeId: `run:${RUN}` }))).toEqual({ start: { nodeId: `run:${RUN}` }, direction: 'upstream', maxDepth: 10, pageSize: 500 });
    expect(toLineageQuery(lineage({ sha256: HASH, direction: pb.LineageDirection.LINEAGE_DIRECTION_DOWNSTREAM, maxDepth: 50, pageSize: 5000 }))).toEqual({
      start: { sha256: HASH },
      direction: 'downstream',
      maxDepth: 50,
      pageSize: 5000,
    });
    expect(toLineageQuery(lineage({ imageDigest: `sha256:${HASH}`, maxDepth: 1 })).start).toEqual({ imageDigest: `sha256:${HASH}` });
    expect(refusal(() => toLineageQuery(lineage({})))).toBe('INVALID_ARGUMENT: give exactly one of node_id, sha256 and image_digest to start from');
    expect(refusal(() => toLineageQuery(lineage({ nodeId: 'x', sha256: HASH })))).toBe('INVALID_ARGUMENT: give exactly one of node_id, sha256 and image_digest to start from, not node_id and sha256');
    expect(refusal(() => toLineageQuery(lineage({ sha256: HASH.toUpperCase() })))).toBe('INVALID_ARGUMENT: sha256: must be a sha256: 64 lowercase hex digits');
    expect(refusal(() => toLineageQuery(lineage({ imageDigest: HASH })))).toMatch(/^INVALID_ARGUMENT: imageDigest: must be an image digest/);
    expect(refusal(() => toLineageQuery(lineage({ nodeId: 'x'.repeat(1201) })))).toMatch(/^INVALID_ARGUMENT: node_id/);
    expect(refusal(() => toLineageQuery(lineage({ nodeId: 'x', maxDepth: 51 })))).toBe('INVALID_ARGUMENT: max_depth: must be 1..50 (or unset for 10), not 51');
    expect(refusal(() => toLineageQuery(lineage({ nodeId: 'x', maxDepth: -3 })))).toMatch(/^INVALID_ARGUMENT: max_depth/);
    expect(refusal(() => toLineageQuery(lineage({ nodeId: 'x', direction: 7 as pb.LineageDirection })))).toBe('INVALID_ARGUMENT: direction: 7 is not a lineage direction');
    expect(refusal(() => toLineageQuery(lineage({ nodeId: 'x', pageSize: 5001 })))).toMatch(/^INVALID_ARGUMENT: page_size: must be 1..5000 \(or unset for 500\)/);
  });

  it('property: any depth and page size is either taken as given (within bounds) or refused as INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100, max: 6000 }), fc.integer({ min: -10, max: 100 }), (pageSize, maxDepth) => {
        const inBounds = (pageSize === 0 || (pageSize >= 1 && pageSize <= 5000)) && (maxDepth === 0 || (maxDepth >= 1 && maxDepth <= 50));
        if (inBounds) expect(toLineageQuery(lineage({ nodeId: 'n', pageSize, maxDepth })).maxDepth).toBe(maxDepth || 10);
        else expect(refusal(() => toLineageQuery(lineage({ nodeId: 'n', pageSize, maxDepth })))).toMatch(/^INVALID_ARGUMENT: (page_size|max_depth)/);
      }),
      { numRuns: 300 },
    );
  });

  it('property: whatever text the three starts hold, the query is either well formed or refused as INVALID_ARGUMENT', () => {
    const text = fc.oneof(fc.constant(''), fc.string({ maxLength: 80 }), fc.stringMatching(/^[0-9a-fA-F]{63,65}$/), fc.stringMatching(/^sha256:[0-9a-f]{60,66}$/), fc.string({ minLength: 1195, maxLength: 1205 }));
    fc.assert(
      fc.property(text, text, text, (nodeId, sha256, imageDigest) => {
        let query;
        try {
          query = toLineageQuery(lineage({ nodeId, sha256, imageDigest }));
        } catch (error) {
          expect(error).toBeInstanceOf(CairnError);
          expect((error as CairnError).code).toBe('INVALID_ARGUMENT');
          return;
        }
        const given = [nodeId, sha256, imageDigest].filter(Boolean);
        expect(given).toHaveLength(1);
        expect(Object.values(query.start)).toEqual(given);
        if ('sha256' in query.start) expect(query.start.sha256).toMatch(/^[0-9a-f]{64}$/);
        if ('imageDigest' in query.start) expect(query.start.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
        if ('nodeId' in query.start) expect(query.start.nodeId.length).toBeLessThanOrEqual(1200);
      }),
      { numRuns: 400 },
    );
  });

  it('names the two export formats and refuses any other', () => {
    expect(toExportFormat(pb.ExportFormat.EXPORT_FORMAT_PROV_JSON)).toBe('prov-json');
    expect(toExportFormat(pb.ExportFormat.EXPORT_FORMAT_RO_CRATE)).toBe('ro-crate');
    expect(refusal(() => toExportFormat(pb.ExportFormat.EXPORT_FORMAT_UNSPECIFIED))).toBe('INVALID_ARGUMENT: format: must be EXPORT_FORMAT_PROV_JSON or EXPORT_FORMAT_RO_CRATE');
  });

  it('maps kinds to ProvKind and keeps attributes as maps', () => {
    const nodes: ProvNode[] = [
      { id: `run:${RUN}`, kind: 'activity', type: 'run', label: 'sweep', runId: RUN, attributes: { state: 'SUCCEEDED' } },
      { id: `image:sha256:${HASH}`, kind: 'entity', type: 'image', label: 'lab/x', runId: '', attributes: { digest: `sha256:${HASH}` } },
      { id: 'person:https://idp#a', kind: 'agent', type: 'person', label: 'alice', runId: '', attributes: {} },
    ];
    const edges = [{ relation: 'used' as const, from: `run:${RUN}`, to: `image:sha256:${HASH}`, attributes: { role: 'image' } }];
    const page = toPbRunProvenance({ runId: RUN, nodes, edges, nextPageToken: '', complete: true });
    expect(page.nodes.map((n) => n.kind)).toEqual([pb.ProvKind.PROV_KIND_ACTIVITY, pb.ProvKind.PROV_KIND_ENTITY, pb.ProvKind.PROV_KIND_AGENT]);
    expect(page).toEqual(expect.objectContaining({ runId: RUN, rerunOf: '', complete: true, edges: [{ relation: 'used', from: `run:${RUN}`, to: `image:sha256:${HASH}`, attributes: { role: 'image' } }] }));
    expect(toPbRunProvenance({ runId: RUN, nodes: [], edges: [], nextPageToken: 'n', complete: false, rerunOf: RUN }).rerunOf).toBe(RUN);
    const walk = toPbLineage({ nodes, depths: [0, 1, 1], edges, nextPageToken: '', depthLimited: true });
    expect(walk.depths).toEqual([0, 1, 1]);
    expect(walk.depthLimited).toBe(true);
    // The encoded message carries the maps.
    expect(pb.LineageResponse.decode(pb.LineageResponse.encode(walk).finish())).toEqual(walk);
  });
});
