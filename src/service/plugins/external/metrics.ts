// Prometheus metrics with prom-client, one registry per app so tests can build many apps:
// process defaults, request duration by route, requests in flight. The engine's own metrics
// (queue depth, compute time) are registered by plugins/app/engine.ts on the same registry.
import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { shared } from '../../lib/plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

export default shared('hjnet-metrics', async (app: FastifyInstance) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hjnet_' });
  const duration = new Histogram({
    name: 'hjnet_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'hjnet_http_requests_in_flight',
    help: 'HTTP requests being handled',
    registers: [registry],
  });
  app.decorate('metrics', registry);

  app.addHook('onRequest', async (request, reply) => {
    inFlight.inc();
    // 'close' fires for finished and for aborted responses alike: the gauge never leaks.
    reply.raw.once('close', () => inFlight.dec());
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids must not explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
});
