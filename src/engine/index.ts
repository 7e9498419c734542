// hjnet as a library: createModel(spec) and the engine's description.
import { binding } from './binding.js';

export { createModel } from './model.js';
export { train, parseTrainRequest, GAUGE_RULE, type TrainRequest, type TrainResult, type TrainProgress } from './training/index.js';
export { isFieldError, type FieldError } from './errors.js';
export type * from './types.js';

export interface EngineInfo {
  version: string;
  backends: string[];
  /** The backend in use (HJNET_DEVICE): "cpu (<SIMD target>)", e.g. "cpu (AVX3)", or "cuda:<GPU name>". */
  device: string;
  threads: number;
  /** CUDA errors answered by the CPU pass instead (HJNET_DEVICE=auto), since the process started. */
  fallbacks: { count: number; last_error: string | null };
}

export function engineInfo(): EngineInfo {
  const native = binding();
  const device = native.device();
  const fallbacks = native.deviceFallbacks();
  return {
    version: native.version,
    backends: native.backends(),
    device: device === 'cpu' ? `cpu (${native.simdTarget()})` : device,
    threads: native.threads(),
    fallbacks: { count: fallbacks.count, last_error: fallbacks.lastError },
  };
}
