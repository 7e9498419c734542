// Builds the Fastify instance from a configuration: what server.ts starts and what tests inject
// into. Order matters: metrics and errors first (they see everything), then load shedding,
// security, the body parser, docs, the app plugins, and the routes.
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ModelStore } from '../store/model-store.js';
import { defaultConfig, type Config } from './config.js';
import auth from './plugins/app/auth.js';
import engine from './plugins/app/engine.js';
import errors from './plugins/app/errors.js';
import jobs from './plugins/app/jobs.js';
import jsonBody from './plugins/app/json-body.js';
import models from './plugins/app/models.js';
import cors from './plugins/external/cors.js';
import helmet from './plugins/external/helmet.js';
import metrics from './plugins/external/metrics.js';
import rateLimit from './plugins/external/rate-limit.js';
import swaggerUi from './plugins/external/swagger-ui.js';
import swagger from './plugins/external/swagger.js';
import underPressure from './plugins/external/under-pressure.js';
import computeRoutes from './routes/compute/index.js';
import jobRoutes from './routes/jobs/index.js';
import modelComputeRoutes from './routes/models/compute.js';
import modelRoutes from './routes/models/index.js';
import weightsRoutes from './routes/models/weights.js';
import healthRoutes from './routes/system/health.js';
import infoRoutes from './routes/system/info.js';
import metricsRoutes from './routes/system/metrics.js';
import openapiRoutes from './routes/system/openapi.js';
import sharedSchemas from './schemas/shared.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

export interface AppOptions {
  config?: Partial<Config>;
  /** Fastify's logger option; default: pino at config.logLevel. */
  logger?: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance'];
  /** A model store to use instead of the file store under config.dataDir. */
  store?: ModelStore;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const config = defaultConfig(options.config);
  const logger = options.logger ?? { level: config.logLevel };
  const app = Fastify({
    ...(logger && typeof logger === 'object' && 'child' in logger ? { loggerInstance: logger as never } : { logger: logger as never }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // A caller's X-Request-Id is kept when well-formed, so logs join up across services.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: {
      // Bodies are checked as sent: no coercion ("1" is not 1), no silent removal of unknown
      // fields (a typo is a 400), and the offending value kept for the problem's `received`.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, verbose: true },
    },
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  await app.register(metrics);
  await app.register(errors);
  await app.register(underPressure);
  await app.register(helmet);
  await app.register(cors);
  await app.register(rateLimit);
  await app.register(jsonBody);
  await app.register(sharedSchemas);
  await app.register(swagger);
  await app.register(swaggerUi);
  await app.register(engine);
  await app.register(auth);
  await app.register(models, { store: options.store });
  await app.register(jobs);

  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(openapiRoutes);
  await app.register(infoRoutes);
  await app.register(modelRoutes);
  await app.register(weightsRoutes);
  await app.register(modelComputeRoutes);
  await app.register(computeRoutes);
  await app.register(jobRoutes);

  return app as unknown as FastifyInstance;
}
