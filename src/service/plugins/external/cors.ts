// CORS only when HJNET_CORS_ORIGIN is set: "*" for any origin, else a list of origins.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { shared } from '../../lib/plugin.js';

export default shared('hjnet-cors', async (app: FastifyInstance) => {
  const origin = app.config.corsOrigin;
  if (origin === false) return;
  await app.register(cors, {
    origin,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'Location'],
    maxAge: 600,
  });
});
