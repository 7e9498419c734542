// Swagger UI at /docs, served from the package's own static files (no CDN), so it works
// offline and under helmet's same-origin CSP.
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { shared } from '../../lib/plugin.js';

export default shared('hjnet-swagger-ui', async (app: FastifyInstance) => {
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true, docExpansion: 'list', tryItOutEnabled: false, displayRequestDuration: true, validatorUrl: null },
    staticCSP: false,
  });
});
