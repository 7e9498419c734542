// Every engine call goes through app.engine.run so its queue depth (calls submitted to the
// native pool and not yet finished) and compute time are measured in one place.
import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram } from 'prom-client';
import { binding } from '../../../engine/binding.js';
import { engineInfo, type EngineInfo } from '../../../engine/index.js';
import { shared } from '../../lib/plugin.js';

export type EngineOp = 'evaluate' | 'attribute' | 'certify_radius' | 'create_model';

export interface EngineRunner {
  run<T>(op: EngineOp, call: () => Promise<T>): Promise<T>;
  /** Calls in the engine now. */
  depth(): number;
  info(): EngineInfo;
}

declare module 'fastify' {
  interface FastifyInstance {
    engine: EngineRunner;
  }
}

export default shared('hjnet-engine', async (app: FastifyInstance) => {
  const registers = [app.metrics];
  const queue = new Gauge({ name: 'hjnet_engine_queue_depth', help: 'Engine calls submitted and not yet finished', registers });
  const compute = new Histogram({
    name: 'hjnet_engine_compute_seconds',
    help: 'Engine call duration by operation',
    labelNames: ['op'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
    registers,
  });
  new Gauge({
    name: 'hjnet_engine_threads',
    help: 'Threads of the native compute pool',
    registers,
    collect() {
      this.set(engineInfo().threads);
    },
  });
  new Gauge({
    name: 'hjnet_device_fallbacks',
    help: 'CUDA errors answered by the CPU pass instead (HJNET_DEVICE=auto) since the service started',
    registers,
    collect() {
      this.set(binding().deviceFallbacks().count);
    },
  });
  let depth = 0;
  const runner: EngineRunner = {
    async run(op, call) {
      depth++;
      queue.inc();
      const end = compute.startTimer({ op });
      try {
        return await call();
      } finally {
        end();
        depth--;
        queue.dec();
      }
    },
    depth: () => depth,
    info: engineInfo,
  };
  app.decorate('engine', runner);
});
