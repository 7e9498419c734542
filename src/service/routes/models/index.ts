// Stored models: register, list, read, delete (SPEC 3).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createModel, type ModelSpec } from '../../../engine/index.js';
import { toEngineSpec } from '../../lib/tensors.js';
import { errorResponses } from '../../schemas/problem.js';
import { ModelList, ModelParams, ModelRecord, ModelSpecBody } from '../../schemas/model.js';

const write = { auth: 'write' as const };
const security = [{ bearer: [] }];

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/models',
    {
      config: write,
      schema: {
        tags: ['models'],
        summary: 'Register a model',
        description: 'W [N, d] | [K, N, d] and b [N] | [K, N], or support {y, g}; nested arrays or binary tensors.',
        security,
        body: ModelSpecBody,
        response: { 201: ModelRecord, ...errorResponses(400, 401, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const spec = toEngineSpec(request.body as ModelSpec);
      const model = await app.engine.run('create_model', () => createModel(spec));
      const record = await app.models.create(model);
      return reply.code(201).header('location', `/v1/models/${record.id}`).send(record);
    },
  );

  app.get(
    '/v1/models',
    { schema: { tags: ['models'], summary: 'List models, oldest first', response: { 200: ModelList, ...errorResponses(429, 503) } } },
    async () => ({ models: await app.models.list() }),
  );

  app.get(
    '/v1/models/:id',
    {
      schema: {
        tags: ['models'],
        summary: 'Read a model',
        params: ModelParams,
        response: { 200: ModelRecord, ...errorResponses(400, 404, 429, 503) },
      },
    },
    async (request) => app.models.get(request.params.id),
  );

  app.delete(
    '/v1/models/:id',
    {
      config: write,
      schema: {
        tags: ['models'],
        summary: 'Delete a model',
        security,
        params: ModelParams,
        response: { 204: { description: 'Deleted', type: 'null' }, ...errorResponses(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      await app.models.delete(request.params.id);
      return reply.code(204).send(null);
    },
  );
};

export default routes;
