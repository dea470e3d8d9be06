import fc from 'fast-check';
import { pb } from '@cairn/contracts';
import { apiRoutes, findRoute } from './api-routes';

const routes = apiRoutes([pb.JobServiceService, pb.WorkflowServiceService, pb.IdentityServiceService, pb.AuditServiceService]);

describe('the bridge\'s routing table', () => {
  it('holds every unary and server-streaming method of the services given, and nothing else', () => {
    const expected = [pb.JobServiceService, pb.WorkflowServiceService, pb.IdentityServiceService, pb.AuditServiceService].flatMap((d) => Object.values(d).filter((m) => !m.requestStream).map((m) => m.path));
    expect([...routes.keys()].sort()).toEqual(expected.sort());
    expect(routes.get('/cairn.v1.JobService/GetJob')).toEqual({ path: '/cairn.v1.JobService/GetJob', serverStreaming: false });
    expect(routes.get('/cairn.v1.JobService/WatchJob')).toEqual({ path: '/cairn.v1.JobService/WatchJob', serverStreaming: true });
    expect(routes.get('/cairn.v1.WorkflowService/WatchWorkflow')?.serverStreaming).toBe(true);
  });

  it('leaves out client and bidirectional streams', () => {
    const serialize = (value: unknown) => Buffer.from(String(value));
    const deserialize = (bytes: Buffer) => bytes.toString();
    const method = (path: string, requestStream: boolean, responseStream: boolean) => ({ path, requestStream, responseStream, requestSerialize: serialize, requestDeserialize: deserialize, responseSerialize: serialize, responseDeserialize: deserialize });
    const table = apiRoutes([{ Upload: method('/x.S/Upload', true, false), Chat: method('/x.S/Chat', true, true), Get: method('/x.S/Get', false, false) }]);
    expect([...table.keys()]).toEqual(['/x.S/Get']);
  });

  it('finds /api/<package.Service>/<Method> and only that', () => {
    expect(findRoute(routes, '/api/cairn.v1.JobService/GetJob')?.path).toBe('/cairn.v1.JobService/GetJob');
    for (const path of [
      '/api/cairn.v1.JobService/GetJob/',
      '/api/cairn.v1.JobService/getJob',
      '/api//cairn.v1.JobService/GetJob',
      '/api/cairn.v1.JobService/../JobService/GetJob',
      '/api/cairn.v1.JobService%2FGetJob',
      '/api/grpc.health.v1.Health/Check',
      '/api/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      '/cairn.v1.JobService/GetJob',
      '/api/',
    ]) {
      expect(findRoute(routes, path)).toBeUndefined();
    }
  });

  it('answers no path that is not exactly a known method (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (tail) => {
        const route = findRoute(routes, `/api/${tail}`);
        if (route) expect(`/${tail}`).toBe(route.path);
      }),
      { numRuns: 500 },
    );
  });
});
