import { pb } from '@cairn/contracts';
import { channelCredentials, channelOptions, type ClientOptions, callMetadata } from './client-options';
import { callUnary, required, type UnaryMethod } from './gateway-call';

/** Cairn's TypeScript client for cairn.v1.TemplateService: workflow templates (admins publish, everyone runs). */
export class TemplatesClient {
  private readonly client: pb.TemplateServiceClient;

  constructor(
    address: string,
    private readonly options: ClientOptions = {},
  ) {
    this.client = new pb.TemplateServiceClient(address, channelCredentials(options), channelOptions());
  }

  private async call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, deadlineMs: number): Promise<Res> {
    return callUnary(this.client, method, request, deadlineMs, await callMetadata(this.options.token));
  }

  listTemplates(request: Partial<pb.ListTemplatesRequest> = {}): Promise<pb.ListTemplatesResponse> {
    const full: pb.ListTemplatesRequest = { pageSize: 0, pageToken: '', ...request };
    return this.call(this.client.listTemplates as UnaryMethod<pb.ListTemplatesRequest, pb.ListTemplatesResponse>, full, 30_000);
  }

  getTemplate(name: string): Promise<pb.Template> {
    return this.call(this.client.getTemplate as UnaryMethod<pb.GetTemplateRequest, pb.GetTemplateResponse>, { name }, 30_000).then((r) => required(r.template, 'template'));
  }

  /** Admins only: creates the template, or replaces it (its version goes up by one). */
  publishTemplate(template: Partial<pb.Template> & { name: string; source: string }): Promise<pb.Template> {
    const full: pb.Template = { title: '', description: '', parameters: [], version: 0, publishedBy: undefined, publishedAt: undefined, ...template };
    return this.call(this.client.publishTemplate as UnaryMethod<pb.PublishTemplateRequest, pb.PublishTemplateResponse>, { template: full }, 60_000).then((r) =>
      required(r.template, 'template'),
    );
  }

  /** Admins only. */
  async deleteTemplate(name: string): Promise<void> {
    await this.call(this.client.deleteTemplate as UnaryMethod<pb.DeleteTemplateRequest, pb.DeleteTemplateResponse>, { name }, 30_000);
  }

  /** Runs the template with these values (text, by parameter name) as the caller; dryRun plans only. */
  runTemplate(request: Partial<pb.RunTemplateRequest> & { name: string }): Promise<pb.RunTemplateResponse> {
    const full: pb.RunTemplateRequest = { parameters: {}, account: '', site: '', dryRun: false, requestId: '', ...request };
    return this.call(this.client.runTemplate as UnaryMethod<pb.RunTemplateRequest, pb.RunTemplateResponse>, full, 90_000);
  }

  close(): void {
    this.client.close();
  }
}
