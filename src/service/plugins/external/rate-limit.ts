// Per-client rate limit (HJNET_RATE_LIMIT_MAX per HJNET_RATE_LIMIT_WINDOW_MS); off when 0.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { shared } from '../../lib/plugin.js';
import { HttpProblem } from '../../lib/problem.js';

export default shared('hjnet-rate-limit', async (app: FastifyInstance) => {
  const { rateLimitMax, rateLimitWindowMs } = app.config;
  if (rateLimitMax === 0) return;
  await app.register(rateLimit, {
    max: rateLimitMax,
    timeWindow: rateLimitWindowMs,
    // Probes and scrapes are not clients.
    allowList: (request) => request.url.startsWith('/health/') || request.url === '/metrics',
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(429, `Rate limit of ${context.max} requests per ${rateLimitWindowMs} ms exceeded (HJNET_RATE_LIMIT_MAX); retry in ${context.after}`, {
        limit: 'HJNET_RATE_LIMIT_MAX',
      }),
  });
});
