// GET /metrics: Prometheus text exposition of app.metrics.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { exemptFromPressure } from '../../plugins/external/under-pressure.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/metrics',
    {
      config: exemptFromPressure,
      logLevel: 'warn',
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics',
        response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => reply.type(app.metrics.contentType).send(await app.metrics.metrics()),
  );
};

export default routes;
