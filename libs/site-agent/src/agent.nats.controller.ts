import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  agentEvictCommand,
  agentImageListQuery,
  agentMaterializeCommand,
  attemptItemsQuery,
  attemptOutputQuery,
  cancelAttemptCommand,
  MAX_ROWS_REPLY_BYTES,
  parseOrThrow,
  rowsWithin,
  runFileQuery,
  runGlobQuery,
  siteStatusQuery,
  submitAttemptCommand,
} from '@cairn/contracts';
import { PersonReads } from './person-reads';
import { SiteAgent } from './site-agent.service';
import { SiteImages } from './site-images';

/**
 * The agent's commands. Patterns are site-relative; the agent's transport maps
 * `agent.submit` to `cairn.site.<site>.agent.submit` (see `agentSubject`).
 */
@Controller()
export class AgentNatsController {
  constructor(
    private readonly agent: SiteAgent,
    private readonly runReads: PersonReads,
    private readonly images: SiteImages,
  ) {}

  /** The images service: make this site hold an image (docs/images.md). */
  @MessagePattern('agent.image-materialize')
  materializeImage(@Payload() payload: unknown) {
    return this.images.materialize(parseOrThrow(agentMaterializeCommand, payload));
  }

  @MessagePattern('agent.image-list')
  listImages(@Payload() payload: unknown) {
    parseOrThrow(agentImageListQuery, payload ?? {});
    return this.images.list();
  }

  @MessagePattern('agent.image-evict')
  evictImage(@Payload() payload: unknown) {
    return this.images.evict(parseOrThrow(agentEvictCommand, payload).digest);
  }

  @MessagePattern('agent.submit')
  submit(@Payload() payload: unknown) {
    return this.agent.accept(parseOrThrow(submitAttemptCommand, payload));
  }

  @MessagePattern('agent.cancel')
  cancel(@Payload() payload: unknown) {
    return this.agent.cancel(parseOrThrow(cancelAttemptCommand, payload).attemptId);
  }

  @MessagePattern('agent.items')
  items(@Payload() payload: unknown) {
    const query = parseOrThrow(attemptItemsQuery, payload);
    return this.agent.items(query.attemptId, { facts: query.facts, offset: query.offset });
  }

  @MessagePattern('agent.describe')
  describe() {
    return this.agent.describe();
  }

  /** SiteService.ListSites asks each site this (the gateway's only agent subject). */
  @MessagePattern('agent.status')
  status(@Payload() payload: unknown) {
    parseOrThrow(siteStatusQuery, payload ?? {});
    return this.agent.status();
  }

  @MessagePattern('agent.output')
  output(@Payload() payload: unknown) {
    const query = parseOrThrow(attemptOutputQuery, payload);
    return this.agent.output(query.attemptId, query.stream, { maxBytes: query.maxBytes, offset: query.offset, end: query.end });
  }

  @MessagePattern('agent.run-file')
  readRunFile(@Payload() payload: unknown) {
    return this.runReads.runFile(parseOrThrow(runFileQuery, payload));
  }

  /** One page of a glob's matches (a million paths do not fit one message). */
  @MessagePattern('agent.run-glob')
  async globRun(@Payload() payload: unknown) {
    const query = parseOrThrow(runGlobQuery, payload);
    const rest = (await this.runReads.runGlob(query)).slice(query.offset ?? 0);
    const paths = rest.slice(0, rowsWithin(rest, MAX_ROWS_REPLY_BYTES));
    return { paths, more: paths.length < rest.length };
  }
}

/** `agent.submit` on site `a` is `cairn.site.a.agent.submit`. */
export function agentSubject(pattern: string, site: string): string {
  return `cairn.site.${site}.${pattern}`;
}
