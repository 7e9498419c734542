// The service's own routes: engine info and health.
import { Type } from 'typebox';

export const Info = Type.Object(
  {
    version: Type.String({ description: 'hjnet version' }),
    backends: Type.Array(Type.String(), { description: 'Compute backends compiled into the native addon', examples: [['cpu']] }),
    device: Type.String({ description: 'Backend in use and its SIMD target', examples: ['cpu (AVX2)'] }),
    threads: Type.Integer({ description: 'Threads of the native compute pool (HJNET_THREADS)' }),
    fallbacks: Type.Object(
      {
        count: Type.Integer({ minimum: 0, description: 'CUDA errors answered by the CPU pass instead (HJNET_DEVICE=auto) since the service started' }),
        last_error: Type.Union([Type.String(), Type.Null()], { description: 'The last such error, null before the first' }),
      },
      { description: 'Run-time fallback from the CUDA device to the CPU' },
    ),
  },
  { title: 'Info' },
);

export const Live = Type.Object({ status: Type.Literal('ok') });

export const Ready = Type.Object({
  status: Type.Enum(['ok', 'unavailable']),
  checks: Type.Object({
    engine: Type.Boolean({ description: 'The native addon is loaded' }),
    store: Type.Boolean({ description: 'HJNET_DATA_DIR is readable and writable' }),
    pressure: Type.Boolean({ description: 'Below the under-pressure thresholds' }),
  }),
});
