import { type Principal, principalSchema } from './identity';
import { safeText } from './validation';

/**
 * What every scheduler command or query from the gateway carries besides its own fields:
 * who calls (the Principal the gateway established) and from where (the gRPC peer, for the
 * audit log). The scheduler applies the access policy (libs/access) to `caller`; only the
 * gateway (and the scheduler's own workflow engine) may publish on its subjects (NATS
 * permissions), so `caller` is trusted as sent.
 */
export const callerFields = {
  caller: principalSchema,
  /** The gRPC peer ("ipv4:10.0.0.5:51234"), or the internal sender ("workflow-engine run <id>"). */
  peer: safeText(256).optional(),
  /** The public RPC the request serves, when not the one its subject implies (a WatchJob reads the job with GetJob's subject). */
  rpc: safeText(128).optional(),
};

/** Who calls and from where, as a service receives it with a request. */
export interface Called {
  caller: Principal;
  peer?: string;
  rpc?: string;
}
