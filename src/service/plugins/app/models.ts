// The model registry: the store (behind its ModelStore interface) for records and weights, and a
// bounded in-memory cache of loaded engine models. Models are immutable, so a cached model is
// never stale; a delete evicts it, and a load racing a delete is not cached (lib/model-cache.ts).
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { createModel } from '../../../engine/index.js';
import { weightsMetadata } from '../../../engine/weights-metadata.js';
import type { Model, ModelInfo, ModelSpec, Tensor } from '../../../engine/types.js';
import { FsModelStore } from '../../../store/fs-model-store.js';
import { ModelStoreCorruptError, type ModelStore, type ModelTensors, type StoredModel } from '../../../store/model-store.js';
import { ModelCache } from '../../lib/model-cache.js';
import { shared } from '../../lib/plugin.js';
import { notFound } from '../../lib/problem.js';

export type ModelRecord = ModelInfo & { id: string; created_at: string };

export interface ModelRegistry {
  readonly store: ModelStore;
  create(model: Model): Promise<ModelRecord>;
  list(): Promise<ModelRecord[]>;
  /** The record; 404 problem when absent. */
  get(id: string): Promise<ModelRecord>;
  /** The loaded engine model (cached); 404 problem when absent. */
  load(id: string): Promise<Model>;
  delete(id: string): Promise<void>;
  /** The weights as a safetensors file. */
  weightsFile(id: string): Promise<Buffer>;
}

declare module 'fastify' {
  interface FastifyInstance {
    models: ModelRegistry;
  }
}

const toRecord = (m: StoredModel): ModelRecord => ({ ...(m.record as unknown as ModelInfo), id: m.id, created_at: m.created_at });

/** Approximate bytes a loaded model holds: W, y and b, g in JavaScript and in the native heads. */
export const modelBytes = (m: Model): number => 2 * 8 * m.info.K * m.info.N * (2 * m.info.d + 2);

/** Rebuilds the engine spec from a stored record and its tensors. */
function specOf(info: ModelInfo, t: ModelTensors): ModelSpec {
  const { name, task, classes, eps, t: time, training } = info;
  const base = { name: name ?? undefined, task, classes: classes ?? undefined, eps, t: time, training };
  const input = (x: Tensor | undefined) => x && { data: x.data as Float64Array | Float32Array, shape: x.shape };
  // A model registered by support points keeps them: rebuild it from y, g, not W, b.
  return info.form === 'support' && t.y && t.g ? { ...base, support: { y: input(t.y)!, g: input(t.g)! } } : { ...base, W: input(t.W), b: input(t.b) };
}

export type ModelsOptions = {
  /** A store to use instead of the file store under HJNET_DATA_DIR (tests). */
  store?: ModelStore;
};

export default shared<ModelsOptions>('hjnet-models', async (app: FastifyInstance, opts) => {
  const store =
    opts.store ?? (await FsModelStore.open(app.config.dataDir, { onWarning: (msg, err) => app.log.warn({ err }, msg) }));
  const cache = new ModelCache<Model>(app.config.modelCacheBytes, modelBytes);
  new Gauge({
    name: 'hjnet_model_cache_models',
    help: 'Engine models loaded in memory',
    registers: [app.metrics],
    collect() {
      this.set(cache.size);
    },
  });

  // Corrupt files of a model deleted meanwhile are just a deleted model.
  async function orAbsent<T>(id: string, read: () => Promise<T | undefined>): Promise<T> {
    let value: T | undefined;
    try {
      value = await read();
    } catch (err) {
      if (err instanceof ModelStoreCorruptError && (await store.get(id).catch(() => undefined)) === undefined) value = undefined;
      else throw err;
    }
    if (value === undefined) throw notFound('model', id);
    return value;
  }

  async function loadModel(id: string): Promise<Model> {
    const stored = await orAbsent(id, () => store.get(id));
    const tensors = await orAbsent(id, () => store.tensors(id));
    return app.engine.run('create_model', () => createModel(specOf(stored.record as unknown as ModelInfo, tensors)));
  }

  const registry: ModelRegistry = {
    store,
    async create(model) {
      const t = model.tensors() as unknown as ModelTensors;
      const stored = await store.create({ ...model.info }, t, weightsMetadata(model.info));
      cache.set(stored.id, model);
      return toRecord(stored);
    },
    async list() {
      return (await store.list()).map(toRecord);
    },
    async get(id) {
      return toRecord(await orAbsent(id, () => store.get(id)));
    },
    load(id) {
      return cache.get(id, () => loadModel(id));
    },
    async delete(id) {
      cache.delete(id);
      const existed = await store.delete(id);
      // A load that started before the delete may have refilled the cache: drop it again.
      cache.delete(id);
      if (!existed) throw notFound('model', id);
    },
    async weightsFile(id) {
      return orAbsent(id, () => store.weightsFile(id));
    },
  };
  app.decorate('models', registry);
});
