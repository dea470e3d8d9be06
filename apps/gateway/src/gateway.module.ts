import { auditBinding, auditSink } from '@cairn/audit-api';
import { gatewaySettings, GrpcServerModule, WatchLimiter } from '@cairn/grpc-server';
import { identityBinding, identityDoor, identitySettings } from '@cairn/identity';
import { imagesBinding } from '@cairn/images-api';
import { jobsBinding } from '@cairn/jobs-api';
import { portalServer, portalSettings } from '@cairn/portal-server';
import { provenanceBinding } from '@cairn/provenance-api';
import { sitesBinding, sitesSettings, sitesToList } from '@cairn/sites-api';
import { templatesBinding } from '@cairn/templates-api';
import { toPbPlan, toPbWorkflow, workflowsBinding } from '@cairn/workflows-api';
import type { ServiceDefinition } from '@cairn/service-kit';

const settings = { ...gatewaySettings, ...identitySettings, ...portalSettings, ...sitesSettings };

/** The gateway service: the public gRPC API (JobService, WorkflowService, IdentityService, AuditService, SiteService, TemplateService, ProvenanceService, ImageService) over the scheduler and the sites' agents, behind one door. */
export const gatewayService: ServiceDefinition<typeof settings> = {
  service: 'gateway',
  settings,
  module: ({ config, nats, logger }) => {
    // One limiter for both services: the caps count WatchJob and WatchWorkflow together.
    const watchLimiter = new WatchLimiter({ perClient: config.watchMaxStreamsPerClient, total: config.watchMaxStreams });
    // One door for every service: authentication, identity mapping, rate limit, refusals
    // audited durably (stream CAIRN_AUDIT, then the scheduler's audit table).
    const door = { ...identityDoor(config, logger), audit: auditSink(nats) };
    // The web portal (CAIRN_PORTAL_ADDRESS): browsers' gRPC-Web calls are bridged into this
    // same gRPC server over a local socket, so they pass the same door.
    const portal = portalServer(config, { tlsCertFile: config.tlsCertFile, tlsKeyFile: config.tlsKeyFile, issuers: config.identityConfig.config.issuers.map((i) => i.issuer), dataDir: config.dataDir, logger });
    const grpc = GrpcServerModule.register({
      address: config.grpcAddress,
      protoDir: config.protoDir,
      protoFiles: ['cairn/v1/job_service.proto', 'cairn/v1/workflow_service.proto', 'cairn/v1/identity_service.proto', 'cairn/v1/audit_service.proto', 'cairn/v1/site_service.proto', 'cairn/v1/template_service.proto', 'cairn/v1/provenance_service.proto', 'cairn/v1/image_service.proto'],
      maxMessageBytes: 2 * 1024 * 1024,
      tls: config,
      logger: logger.child({ context: 'GrpcServerHost' }),
      ...(portal ? { localSocket: portal.socket } : {}),
      bindings: [
        jobsBinding({ nats, logger, defaultSite: config.defaultSite, watchLimiter, door }),
        workflowsBinding({ nats, logger, defaultSite: config.defaultSite, watchLimiter, door }),
        identityBinding({ logger, watchLimiter, door }),
        auditBinding({ nats, logger, watchLimiter, door }),
        sitesBinding({ nats, logger, sites: sitesToList(config.sites, config.defaultSite), watchLimiter, door }),
        templatesBinding({ nats, logger, defaultSite: config.defaultSite, mappers: { plan: toPbPlan, workflow: toPbWorkflow }, watchLimiter, door }),
        provenanceBinding({ nats, logger, defaultSite: config.defaultSite, watchLimiter, door }),
        imagesBinding({ nats, logger, defaultSite: config.defaultSite, sites: sitesToList(config.sites, config.defaultSite), watchLimiter, door }),
      ],
    });
    if (!portal) return grpc;
    const served = GrpcServerModule.served(grpc);
    return portal.module(grpc, { definitions: served.bindings.map((b) => b.definition), maxMessageBytes: served.maxMessageBytes });
  },
};
