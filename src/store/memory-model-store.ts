// An in-memory ModelStore with the file store's semantics (ids, copies in and out), for tests
// and for running the service without a data directory.
import { serializeSafetensors } from '../data/safetensors.js';
import type { Tensor } from '../data/tensor.js';
import {
  acceptCreate,
  isModelId,
  newModelId,
  type ModelStore,
  type ModelTensors,
  type StoredModel,
  type StoredWeights,
} from './model-store.js';

interface Entry {
  model: StoredModel;
  weights: StoredWeights;
}

const copyTensor = (t: Tensor): Tensor => ({ dtype: t.dtype, shape: [...t.shape], data: t.data.slice() }) as Tensor;

function copyTensors(ts: ModelTensors): ModelTensors {
  const out: ModelTensors = { W: copyTensor(ts.W), b: copyTensor(ts.b) };
  if (ts.y) out.y = copyTensor(ts.y);
  if (ts.g) out.g = copyTensor(ts.g);
  return out;
}

const copyModel = (m: StoredModel): StoredModel => ({ ...m, record: structuredClone(m.record) });

export class MemoryModelStore implements ModelStore {
  private readonly models = new Map<string, Entry>();

  async create(record: Record<string, unknown>, tensors: ModelTensors, metadata?: Record<string, string | number>): Promise<StoredModel> {
    const accepted = acceptCreate(record, tensors, metadata);
    let id = newModelId();
    while (this.models.has(id)) id = newModelId();
    const model: StoredModel = { id, created_at: new Date().toISOString(), record: accepted.record };
    this.models.set(id, { model, weights: { tensors: copyTensors(tensors), metadata: accepted.metadata } });
    return copyModel(model);
  }

  async get(id: string): Promise<StoredModel | undefined> {
    const e = isModelId(id) ? this.models.get(id) : undefined;
    return e && copyModel(e.model);
  }

  async list(): Promise<StoredModel[]> {
    return [...this.models.values()].map((e) => copyModel(e.model)); // Map keeps insertion order: oldest first
  }

  async delete(id: string): Promise<boolean> {
    return this.models.delete(id);
  }

  async weights(id: string): Promise<StoredWeights | undefined> {
    const e = this.models.get(id);
    return e && { tensors: copyTensors(e.weights.tensors), metadata: { ...e.weights.metadata } };
  }

  async tensors(id: string): Promise<ModelTensors | undefined> {
    return (await this.weights(id))?.tensors;
  }

  async weightsFile(id: string): Promise<Buffer | undefined> {
    const e = this.models.get(id);
    return e && serializeSafetensors({ ...e.weights.tensors } as Record<string, Tensor>, e.weights.metadata);
  }
}
