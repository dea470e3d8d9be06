import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';

/**
 * Nest turns handler errors into `{ status: 'error', message: 'Internal server error' }`
 * before a transport sees them. This filter hands the original error on instead, so the
 * NATS transport can answer a CairnError with its own code and message.
 */
@Catch()
export class RethrowRpcFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
