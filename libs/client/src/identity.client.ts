import { pb } from '@cairn/contracts';
import { channelCredentials, channelOptions, type ClientOptions, callMetadata } from './client-options';
import { callUnary, type UnaryMethod } from './gateway-call';

/** Cairn's TypeScript client for cairn.v1.IdentityService: who the gateway takes the caller for. */
export class IdentityClient {
  private readonly client: pb.IdentityServiceClient;

  constructor(
    address: string,
    private readonly options: ClientOptions = {},
  ) {
    this.client = new pb.IdentityServiceClient(address, channelCredentials(options), channelOptions());
  }

  async whoAmI(): Promise<pb.WhoAmIResponse> {
    const method = this.client.whoAmI as UnaryMethod<pb.WhoAmIRequest, pb.WhoAmIResponse>;
    return callUnary(this.client, method, {}, 30_000, await callMetadata(this.options.token));
  }

  close(): void {
    this.client.close();
  }
}
