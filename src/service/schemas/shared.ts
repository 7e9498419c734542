// Schemas registered once with app.addSchema and referenced by $id: they appear once in the
// OpenAPI document (components/schemas) instead of inside every route.
import type { FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import { shared } from '../lib/plugin.js';
import { Problem } from './problem.js';
import { BinaryTensorInput, BinaryTensorOutput } from './tensor.js';

const SHARED = { Problem, BinaryTensor: BinaryTensorInput, BinaryTensorOutput };

export default shared('hjnet-schemas', async (app: FastifyInstance) => {
  for (const [id, schema] of Object.entries(SHARED)) app.addSchema({ ...(schema as TSchema), $id: id });
});
