// evaluate, attribute and certify-radius on a stored model.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { attribute, certifyRadius, evaluate } from '../../lib/compute.js';
import { errorResponses } from '../../schemas/problem.js';
import { ModelParams } from '../../schemas/model.js';
import { AttributeBody, AttributeResponse, CertifyBody, CertifyResponse, EvaluateBody, EvaluateResponse } from '../../schemas/compute.js';

const errors = errorResponses(400, 404, 413, 415, 422, 429, 503);

const routes: FastifyPluginAsyncTypebox = async (app) => {
  // Results can be large arrays: JSON.stringify writes them faster than a schema serializer
  // with unions, and writes any stray non-finite number as null.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.post(
    '/v1/models/:id/evaluate',
    {
      schema: {
        tags: ['compute'],
        summary: 'Evaluate f, u and optional extras on a stored model',
        params: ModelParams,
        body: EvaluateBody,
        response: { 200: EvaluateResponse, ...errors },
      },
    },
    async (request) => evaluate(app, await app.models.load(request.params.id), request.body),
  );

  app.post(
    '/v1/models/:id/attribute',
    {
      schema: {
        tags: ['compute'],
        summary: 'Gibbs-weight attribution of each query to support points',
        params: ModelParams,
        body: AttributeBody,
        response: { 200: AttributeResponse, ...errors },
      },
    },
    async (request) => attribute(app, await app.models.load(request.params.id), request.body),
  );

  app.post(
    '/v1/models/:id/certify-radius',
    {
      schema: {
        tags: ['compute'],
        summary: 'Certified robustness radii (optionally checked by an attack)',
        params: ModelParams,
        body: CertifyBody,
        response: { 200: CertifyResponse, ...errors },
      },
    },
    async (request) => certifyRadius(app, await app.models.load(request.params.id), request.body),
  );
};

export default routes;
