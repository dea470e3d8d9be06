import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { lineageQuery, parseOrThrow, runProvenanceQuery, runSourceQuery, subjects } from '@cairn/contracts';
import { ProvenanceQueries } from './provenance-queries';

/** The provenance service's request/reply API (used by the gateway's ProvenanceService). */
@Controller()
export class ProvenanceNatsController {
  constructor(private readonly queries: ProvenanceQueries) {}

  @MessagePattern(subjects.provenance.run)
  run(@Payload() payload: unknown) {
    return this.queries.runGraph(parseOrThrow(runProvenanceQuery, payload));
  }

  @MessagePattern(subjects.provenance.lineage)
  lineage(@Payload() payload: unknown) {
    return this.queries.lineage(parseOrThrow(lineageQuery, payload));
  }

  @MessagePattern(subjects.provenance.runSource)
  runSource(@Payload() payload: unknown) {
    return this.queries.runSource(parseOrThrow(runSourceQuery, payload));
  }
}
