import { type sendUnaryData, Server, ServerCredentials, type ServerUnaryCall, status } from '@grpc/grpc-js';
import { pb } from '@cairn/contracts';
import { ProvenanceClient } from './provenance.client';

const RUN = '3f1c2a9e-0000-4000-8000-000000000001';
const node = (id: string): pb.ProvNode => ({ id, kind: pb.ProvKind.PROV_KIND_ACTIVITY, type: 'step', label: id, runId: RUN, attributes: {} });

describe('ProvenanceClient.getRunGraph [real: grpc-js server in this process]', () => {
  let server: Server;
  let client: ProvenanceClient;
  let pages: pb.GetRunProvenanceResponse[];
  let asked: string[];

  beforeAll(async () => {
    server = new Server();
    const unimplemented = (_call: unknown, callback: sendUnaryData<unknown>) => callback({ code: status.UNIMPLEMENTED, details: 'not in this test' });
    server.addService(pb.ProvenanceServiceService, {
      getRunProvenance: ({ request }: ServerUnaryCall<pb.GetRunProvenanceRequest, pb.GetRunProvenanceResponse>, callback: sendUnaryData<pb.GetRunProvenanceResponse>) => {
        asked.push(request.pageToken);
        const index = request.pageToken === '' ? 0 : Number(request.pageToken);
        callback(null, pages[index]);
      },
      lineage: unimplemented,
      exportRun: unimplemented,
      rerun: unimplemented,
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    client = new ProvenanceClient(`127.0.0.1:${port}`);
  });

  afterAll(() => {
    client?.close();
    server?.forceShutdown();
  });

  const page = (id: string, complete: boolean, next: string): pb.GetRunProvenanceResponse => ({ runId: RUN, nodes: [node(id)], edges: [], nextPageToken: next, complete, rerunOf: '' });

  it('merges every page, and calls the graph complete only when every page said so', async () => {
    const cases: Array<[boolean[], boolean]> = [
      [[true], true],
      [[false], false],
      [[true, true, true], true],
      // The run became complete while its pages were read: the first pages may miss what came last.
      [[false, true, true], false],
      [[false, false, true], false],
      [[true, false, true], false],
    ];
    for (const [flags, whole] of cases) {
      pages = flags.map((complete, i) => page(`step:${RUN}/s${i}`, complete, i + 1 < flags.length ? String(i + 1) : ''));
      asked = [];
      const graph = await client.getRunGraph(RUN, { pageSize: 1 });
      expect([flags, graph.complete]).toEqual([flags, whole]);
      expect(graph.nodes.map((n) => n.id)).toEqual(flags.map((_, i) => `step:${RUN}/s${i}`));
      expect(asked).toEqual(flags.map((_, i) => (i === 0 ? '' : String(i))));
    }
  });
});
