// Liveness (the process answers) and readiness (engine loaded, data dir writable, not under
// pressure). Both are served under pressure: readiness then says so itself.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { exemptFromPressure } from '../../plugins/external/under-pressure.js';
import { Live, Ready } from '../../schemas/system.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health/live',
    { config: exemptFromPressure, logLevel: 'warn', schema: { tags: ['system'], summary: 'Liveness', response: { 200: Live } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      config: exemptFromPressure,
      logLevel: 'warn',
      schema: { tags: ['system'], summary: 'Readiness', response: { 200: Ready, 503: Ready } },
    },
    async (_request, reply) => {
      const engine = (() => {
        try {
          app.engine.info();
          return true;
        } catch {
          return false;
        }
      })();
      const store = await access(app.config.dataDir, constants.R_OK | constants.W_OK).then(
        () => true,
        () => false,
      );
      const pressure = !app.isUnderPressure();
      const ok = engine && store && pressure;
      if (!ok) reply.code(503).header('retry-after', String(app.config.retryAfterS));
      return { status: ok ? ('ok' as const) : ('unavailable' as const), checks: { engine, store, pressure } };
    },
  );
};

export default routes;
