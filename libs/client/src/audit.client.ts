import { pb } from '@cairn/contracts';
import { channelCredentials, channelOptions, type ClientOptions, callMetadata } from './client-options';
import { callUnary, type UnaryMethod } from './gateway-call';

/** Cairn's TypeScript client for cairn.v1.AuditService: the audit log, for admins. */
export class AuditClient {
  private readonly client: pb.AuditServiceClient;

  constructor(
    address: string,
    private readonly options: ClientOptions = {},
  ) {
    this.client = new pb.AuditServiceClient(address, channelCredentials(options), channelOptions());
  }

  async list(request: Partial<pb.ListAuditEventsRequest> = {}): Promise<pb.ListAuditEventsResponse> {
    const method = this.client.listAuditEvents as UnaryMethod<pb.ListAuditEventsRequest, pb.ListAuditEventsResponse>;
    const full: pb.ListAuditEventsRequest = { pageSize: 0, pageToken: '', subject: '', outcome: '', since: undefined, until: undefined, ...request };
    return callUnary(this.client, method, full, 30_000, await callMetadata(this.options.token));
  }

  close(): void {
    this.client.close();
  }
}
