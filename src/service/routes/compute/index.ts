// evaluate, attribute and certify-radius with the model given inline.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import { createModel, type Model, type ModelSpec } from '../../../engine/index.js';
import { readQueries, type Dense } from '../../../engine/tensor-input.js';
import { checkWork } from '../../lib/budget.js';
import { attribute, certifyRadius, evaluate, passesOf } from '../../lib/compute.js';
import { prefixField } from '../../lib/field.js';
import { specHeads, toEngineSpec } from '../../lib/tensors.js';
import { errorResponses } from '../../schemas/problem.js';
import {
  AttributeResponse,
  CertifyResponse,
  EvaluateResponse,
  InlineAttributeBody,
  InlineCertifyBody,
  InlineEvaluateBody,
} from '../../schemas/compute.js';

const errors = errorResponses(400, 413, 415, 422, 429, 503);

/**
 * The inline model and the queries. Their tensors are read first, and the queries' width checked
 * against the model's, so that a malformed shape is a 400 rather than a budget's 422 or the cost
 * of building the model; then the budget (building the model costs K·N² for D).
 */
async function inlineModel(app: FastifyInstance, body: { model: unknown; X: unknown }, passes: number): Promise<{ model: Model; X: Dense }> {
  const spec = toEngineSpec(body.model as ModelSpec, 'model.');
  const { K, N, d } = specHeads(spec);
  const X = readQueries(body.X, d);
  checkWork(app.config, X.shape[0], N, K, passes, K * N * N);
  try {
    return { model: await app.engine.run('create_model', () => createModel(spec)), X };
  } catch (err) {
    throw prefixField(err, 'model.');
  }
}

/** The route schema of one operation (generic, so each route keeps its own body and result types). */
const schema = <Body extends TSchema, Result extends TSchema>(summary: string, body: Body, result: Result) => ({
  schema: { tags: ['compute'], summary, body, response: { 200: result, ...errors } },
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.post('/v1/evaluate', schema('Evaluate with an inline model', InlineEvaluateBody, EvaluateResponse), async (request) => {
    const { model, X } = await inlineModel(app, request.body, 1);
    return evaluate(app, model, { ...request.body, X });
  });

  app.post('/v1/attribute', schema('Attribution with an inline model', InlineAttributeBody, AttributeResponse), async (request) => {
    const { model, X } = await inlineModel(app, request.body, 1);
    return attribute(app, model, { ...request.body, X });
  });

  app.post('/v1/certify-radius', schema('Certified radii with an inline model', InlineCertifyBody, CertifyResponse), async (request) => {
    const { model, X } = await inlineModel(app, request.body, passesOf('certify', request.body));
    return certifyRadius(app, model, { ...request.body, X });
  });
};

export default routes;
