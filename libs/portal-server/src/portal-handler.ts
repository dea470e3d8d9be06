import type { Logger } from '@cairn/logging';
import { handleApi, type ApiContext } from './api-handler';
import { API_PREFIX } from './api-routes';
import { type AuthContext, handleAuth } from './auth-routes';
import type { PortalRequest, PortalResponse } from './http-types';
import { setSecurityHeaders } from './security-headers';
import type { StaticFiles } from './static-files';

export interface PortalContext extends ApiContext, AuthContext {
  files: StaticFiles;
  logger: Logger;
}

/**
 * Every request of the portal: `/api/...` (gRPC-Web bridge), `/auth/...` (login), and the
 * built app for everything else; security headers on all of them.
 */
export function portalHandler(context: PortalContext): (req: PortalRequest, res: PortalResponse) => void {
  const https = context.origin.startsWith('https:');
  return (req, res) => {
    setSecurityHeaders(res, https);
    let url: URL;
    try {
      // Only origin-form targets ("/path?query"); the host is ours whatever the request says.
      if (!req.url?.startsWith('/')) throw new Error('not origin-form');
      url = new URL(`${context.origin}${req.url}`);
    } catch {
      res.statusCode = 400;
      res.end();
      return;
    }
    const work = url.pathname.startsWith(API_PREFIX)
      ? handleApi(req, res, url, context)
      : url.pathname.startsWith('/auth/')
        ? handleAuth(req, res, url, context)
        : Promise.resolve(context.files.serve(req, res, url.pathname));
    work.catch((error: unknown) => {
      context.logger.error({ err: error, path: url.pathname }, 'portal request failed');
      if (!res.headersSent) res.statusCode = 500;
      if (!res.writableEnded) res.end();
    });
  };
}
