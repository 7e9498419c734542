// The OpenAPI 3.1 document, generated from the route schemas. It must not depend on the
// configuration (no servers, no limits): the committed openapi/openapi.json is compared with it.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { shared } from '../../lib/plugin.js';
import { version } from '../../lib/version.js';

export default shared('hjnet-swagger', async (app: FastifyInstance) => {
  await app.register(swagger, {
    // Shared schemas become components named by their $id.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'hjnet',
        version,
        description:
          'Log-sum-exp layers read as Hamilton–Jacobi solutions: evaluation, attribution (Gibbs weights) and certified ' +
          'robustness radii, and training jobs. Tensors are nested JSON arrays or binary `{dtype, shape, data: base64}` objects; errors are ' +
          'RFC 9457 problem+json.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      tags: [
        { name: 'models', description: 'Stored models' },
        { name: 'compute', description: 'Evaluation, attribution and certified radii' },
        { name: 'jobs', description: 'Training jobs: start, follow, cancel' },
        { name: 'system', description: 'Engine info, health and metrics' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'One of HJNET_API_KEYS; needed by mutating routes only when keys are configured' },
        },
      },
    },
  });
});
