// evaluate, attribute and certify-radius with the model given inline.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import { createModel, type Model, type ModelSpec } from '../../../engine/index.js';
import { checkWork } from '../../lib/budget.js';
import { attribute, certifyRadius, evaluate, passesOf } from '../../lib/compute.js';
import { prefixField } from '../../lib/field.js';
import { leadingShape, specHeads, toEngineSpec } from '../../lib/tensors.js';
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

/** The inline model, after a budget check from the shapes alone (building it costs K·N² for D). */
async function inlineModel(app: FastifyInstance, body: { model: unknown; X: unknown; attack?: { steps?: number } }, passes: number): Promise<Model> {
  const spec = body.model as ModelSpec;
  const { K, N } = specHeads(spec);
  const B = leadingShape(body.X, 1)[0] ?? 0;
  checkWork(app.config, B, N, K, passes, K * N * N);
  const engineSpec = toEngineSpec(spec, 'model.');
  try {
    return await app.engine.run('create_model', () => createModel(engineSpec));
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
    const { model, ...body } = request.body;
    return evaluate(app, await inlineModel(app, request.body, 1), body);
  });

  app.post('/v1/attribute', schema('Attribution with an inline model', InlineAttributeBody, AttributeResponse), async (request) => {
    const { model, ...body } = request.body;
    return attribute(app, await inlineModel(app, request.body, 1), body);
  });

  app.post('/v1/certify-radius', schema('Certified radii with an inline model', InlineCertifyBody, CertifyResponse), async (request) => {
    const { model, ...body } = request.body;
    return certifyRadius(app, await inlineModel(app, request.body, passesOf('certify', body)), body);
  });
};

export default routes;
