import { isAdmin } from '@cairn/access';
import { CairnError, type Called, denied, pb, RPC } from '@cairn/contracts';
import type { AuditEvent, AuditSink } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { type KnownSites, toEvictCommand } from './images.mapper';
import type { ImageRequests } from './images.requests';

/**
 * EvictImage, for admins only: anyone else is refused (PERMISSION_DENIED) before the images
 * service is asked. Every attempt is audited (stream CAIRN_AUDIT, then the audit table), the
 * refusals and an admin's eviction alike, with its outcome; a request the gateway cannot read
 * (INVALID_ARGUMENT) is refused before anything else and not audited, as for every RPC.
 * The images service checks the role again and never evicts an image a live run needs.
 */
export async function evictImage(
  images: Pick<ImageRequests, 'evict'>,
  audit: AuditSink,
  logger: Logger,
  request: pb.EvictImageRequest,
  known: KnownSites,
  who: Called & { peer: string },
): Promise<pb.EvictImageResponse> {
  const command = toEvictCommand(request, known);
  const record = (outcome: AuditEvent['outcome'], reason: string) =>
    audit
      .record({
        rpc: RPC.evictImage,
        ids: [command.digest, command.site],
        peer: who.peer,
        outcome,
        reason,
        time: new Date(),
        issuer: who.caller.issuer,
        subject: who.caller.subject,
        name: who.caller.name,
        posixUser: who.caller.posixUser,
      })
      .catch((error: unknown) => logger.error({ err: error, rpc: RPC.evictImage }, 'audit sink failed to record an eviction'));
  if (!isAdmin(who.caller)) {
    const reason = `only admins may evict images; ${who.caller.name} is not an admin`;
    await record('PERMISSION_DENIED', reason);
    throw denied(`${reason} (admins are the members of the configured admin group)`);
  }
  try {
    const reply = await images.evict({ ...command, ...who, rpc: RPC.evictImage });
    await record('OK', `evicted ${command.digest} at site ${command.site}: ${reply.freedBytes} bytes freed`);
    return { freedBytes: reply.freedBytes };
  } catch (error) {
    const code = error instanceof CairnError ? error.code : 'INTERNAL';
    await record(code, error instanceof CairnError ? error.message : 'the images service failed');
    throw error;
  }
}
