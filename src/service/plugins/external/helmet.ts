// Security headers. The API is served over plain HTTP on loopback by default, so no
// upgrade-insecure-requests; Swagger UI (/docs) loads only same-origin scripts and needs data:
// images and inline styles, which helmet's default CSP already allows.
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { shared } from '../../lib/plugin.js';

export default shared('hjnet-helmet', async (app: FastifyInstance) => {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: true, directives: { upgradeInsecureRequests: null } },
    // A JSON API and its docs are not embedded cross-origin.
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
});
