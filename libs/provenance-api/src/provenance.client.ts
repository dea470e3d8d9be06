import type { NatsRequester } from '@cairn/adapters/nats';
import {
  type LineageQuery,
  type LineageReply,
  lineageReply,
  type RunProvenanceQuery,
  type RunProvenanceReply,
  runProvenanceReply,
  type RunSourceQuery,
  type RunSourceReply,
  runSourceReply,
  subjects,
} from '@cairn/contracts';

/** How long the gateway waits for the provenance service's answers, in ms. */
export const provenanceTimeouts = { read: 15_000 } as const;

/** The provenance service's queries (subjects.provenance) as a typed client over NATS; it applies the access policy to `caller`. */
export class ProvenanceQueries {
  constructor(private readonly requester: Pick<NatsRequester, 'request'>) {}

  run(query: RunProvenanceQuery): Promise<RunProvenanceReply> {
    return this.requester.request(subjects.provenance.run, query, runProvenanceReply, provenanceTimeouts.read);
  }

  lineage(query: LineageQuery): Promise<LineageReply> {
    return this.requester.request(subjects.provenance.lineage, query, lineageReply, provenanceTimeouts.read);
  }

  runSource(query: RunSourceQuery): Promise<RunSourceReply> {
    return this.requester.request(subjects.provenance.runSource, query, runSourceReply, provenanceTimeouts.read);
  }
}
