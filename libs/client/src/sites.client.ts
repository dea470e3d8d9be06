import { pb } from '@cairn/contracts';
import { channelCredentials, channelOptions, type ClientOptions, callMetadata } from './client-options';
import { callUnary, type UnaryMethod } from './gateway-call';

/** Cairn's TypeScript client for cairn.v1.SiteService: the sites and how each is doing, for everyone signed in. */
export class SitesClient {
  private readonly client: pb.SiteServiceClient;

  constructor(
    address: string,
    private readonly options: ClientOptions = {},
  ) {
    this.client = new pb.SiteServiceClient(address, channelCredentials(options), channelOptions());
  }

  /** Every configured site, sorted by name (the gateway waits a few seconds at most for each agent). */
  async list(): Promise<pb.ListSitesResponse> {
    const method = this.client.listSites as UnaryMethod<pb.ListSitesRequest, pb.ListSitesResponse>;
    return callUnary(this.client, method, {}, 30_000, await callMetadata(this.options.token));
  }

  close(): void {
    this.client.close();
  }
}
