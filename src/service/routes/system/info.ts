// GET /v1/info: the engine this server computes with.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Info } from '../../schemas/system.js';
import { errorResponses } from '../../schemas/problem.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/info',
    { schema: { tags: ['system'], summary: 'Engine version, backends, device and threads', response: { 200: Info, ...errorResponses(429, 503) } } },
    async () => app.engine.info(),
  );
};

export default routes;
