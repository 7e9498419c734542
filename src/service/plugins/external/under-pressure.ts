// Load shedding keyed on event-loop delay (and optionally utilisation, heap, RSS): above a
// threshold requests get 503 problem+json with Retry-After. Liveness and metrics stay served
// (their route config has a pass-through pressureHandler), so an orchestrator does not restart a merely busy server.
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { shared } from '../../lib/plugin.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** under-pressure's per-route handler; returning nothing serves the request normally. */
    pressureHandler?: () => undefined;
  }
}

/** Route config for routes that must answer under pressure. */
export const exemptFromPressure = { pressureHandler: (): undefined => undefined };

/** How often under-pressure samples the event loop, ms. */
export const SAMPLE_INTERVAL_MS = 250;

export default shared('hjnet-under-pressure', async (app: FastifyInstance) => {
  const c = app.config;
  await app.register(underPressure, {
    maxEventLoopDelay: c.maxEventLoopDelayMs,
    maxEventLoopUtilization: c.maxEventLoopUtilization,
    maxHeapUsedBytes: c.maxHeapUsedBytes,
    maxRssBytes: c.maxRssBytes,
    retryAfter: c.retryAfterS,
    sampleInterval: SAMPLE_INTERVAL_MS,
  });
});
