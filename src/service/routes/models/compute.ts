// evaluate, attribute and certify-radius on a stored model.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from 'typebox';
import { attribute, certifyRadius, evaluate } from '../../lib/compute.js';
import { errorResponses } from '../../schemas/problem.js';
import { ModelParams } from '../../schemas/model.js';
import { AttributeBody, AttributeResponse, CertifyBody, CertifyResponse, EvaluateBody, EvaluateResponse } from '../../schemas/compute.js';

const errors = errorResponses(400, 404, 413, 415, 422, 429, 503);

/** The route schema of one operation (generic, so each route keeps its own body and result types). */
const schema = <Body extends TSchema, Result extends TSchema>(summary: string, body: Body, result: Result) => ({
  schema: { tags: ['compute'], summary, params: ModelParams, body, response: { 200: result, ...errors } },
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  // Results can be large arrays: JSON.stringify writes them faster than a schema serializer
  // with unions. lib/compute.ts has already made infinities null and refused NaN (a 500).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.post(
    '/v1/models/:id/evaluate',
    schema('Evaluate f, u and optional extras on a stored model', EvaluateBody, EvaluateResponse),
    async (request) => evaluate(app, await app.models.load(request.params.id), request.body),
  );

  app.post(
    '/v1/models/:id/attribute',
    schema('Gibbs-weight attribution of each query to support points', AttributeBody, AttributeResponse),
    async (request) => attribute(app, await app.models.load(request.params.id), request.body),
  );

  app.post(
    '/v1/models/:id/certify-radius',
    schema('Certified robustness radii (optionally checked by an attack)', CertifyBody, CertifyResponse),
    async (request) => certifyRadius(app, await app.models.load(request.params.id), request.body),
  );
};

export default routes;
