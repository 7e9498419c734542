// The weights of a stored model as a safetensors file (tensors W, b; y, g for support-form models).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../schemas/problem.js';
import { ModelParams } from '../../schemas/model.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/models/:id/weights',
    {
      schema: {
        tags: ['models'],
        summary: 'Download the weights (safetensors)',
        description: 'Tensors W [K, N, d] and b [K, N] (and y, g for a model registered by support points) in float64; metadata format "hjnet", form, task, eps, t and, when set, classes (JSON), name, training (JSON).',
        params: ModelParams,
        response: {
          200: {
            description: 'A safetensors file',
            content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
          },
          ...errorResponses(400, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const file = await app.models.weightsFile(id);
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `attachment; filename="${id}.safetensors"`)
        .send(file as never);
    },
  );
};

export default routes;
