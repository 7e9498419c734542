// Security headers from helmet, each policy built once (@fastify/helmet rebuilds helmet's
// middleware on every request, a fifth of a small request's time here). JSON responses get
// the OWASP REST set (no framing, no content sniffing, nothing loaded); the HTML of Swagger UI
// (/docs) gets helmet's page defaults, which allow its same-origin scripts, data: images and
// inline styles. The API is served over plain HTTP on loopback by default, so no
// upgrade-insecure-requests.
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { shared } from '../../lib/plugin.js';

// A JSON API and its docs are not embedded cross-origin.
const crossOriginResourcePolicy = { policy: 'same-site' } as const;

const api = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy,
  xFrameOptions: { action: 'deny' },
  // headers that only mean something to an HTML page
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
});

const page = helmet({
  contentSecurityPolicy: { useDefaults: true, directives: { upgradeInsecureRequests: null } },
  crossOriginResourcePolicy,
});

export default shared('hjnet-helmet', async (app: FastifyInstance) => {
  app.addHook('onRequest', (request, reply, done) => {
    (request.url.startsWith('/docs') ? page : api)(request.raw, reply.raw, (err) => done(err as Error | undefined));
  });
});
