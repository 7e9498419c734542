// The model store contract. Models are immutable once created: create, read, delete; no update.
import { randomBytes } from 'node:crypto';
import type { Tensor } from '../data/tensor.js';

/** Weights of a model: W [N,d] or [K,N,d], b [N] or [K,N]; y and g when registered by support points. */
export interface ModelTensors {
  W: Tensor;
  b: Tensor;
  y?: Tensor;
  g?: Tensor;
}

export const MODEL_TENSOR_NAMES = ['W', 'b', 'y', 'g'] as const;

export interface StoredModel {
  id: string;
  /** ISO 8601 time of creation, set by the store. */
  created_at: string;
  /** The caller's record (model info), stored as JSON and returned as read back. */
  record: Record<string, unknown>;
}

export interface StoredWeights {
  tensors: ModelTensors;
  /** String metadata stored with the weights (the service's: engine/weights-metadata.ts). */
  metadata: Record<string, string>;
}

export interface ModelStore {
  /**
   * Stores a model under a new server-generated id. The record must be JSON-representable.
   * `metadata` goes into the weights file's header (the service passes eps, t, form, task, ...).
   */
  create(record: Record<string, unknown>, tensors: ModelTensors, metadata?: Record<string, string | number>): Promise<StoredModel>;
  /** undefined when absent or when `id` is not a well-formed model id. */
  get(id: string): Promise<StoredModel | undefined>;
  /** Every model, oldest first. */
  list(): Promise<StoredModel[]>;
  /** true when the model existed and is now gone. */
  delete(id: string): Promise<boolean>;
  tensors(id: string): Promise<ModelTensors | undefined>;
  weights(id: string): Promise<StoredWeights | undefined>;
  /** The weights as a safetensors file (tensors W, b and y, g when present; metadata as given). */
  weightsFile(id: string): Promise<Buffer | undefined>;
}

/** Model ids: "m_" and 16 lowercase hex digits. Checked before an id reaches any path. */
export const MODEL_ID_PATTERN = /^m_[0-9a-f]{16}$/;

export function isModelId(id: unknown): id is string {
  return typeof id === 'string' && MODEL_ID_PATTERN.test(id);
}

export function newModelId(): string {
  return `m_${randomBytes(8).toString('hex')}`;
}

/** A stored model's files are unreadable or inconsistent (disk damage or outside tampering). */
export class ModelStoreCorruptError extends Error {
  override name = 'ModelStoreCorruptError';
  constructor(
    readonly id: string,
    message: string,
  ) {
    super(`Model ${id} is corrupt: ${message}`);
  }
}

/** Checks the tensors a caller hands to create(): W and b present, only known names, lengths matching shapes. */
function checkModelTensors(tensors: ModelTensors): void {
  if (typeof tensors !== 'object' || tensors === null) throw new TypeError('tensors must be an object {W, b, y?, g?}');
  for (const name of Object.keys(tensors)) {
    if (!(MODEL_TENSOR_NAMES as readonly string[]).includes(name)) throw new TypeError(`Unknown model tensor "${name}" (W, b, y, g)`);
  }
  for (const name of MODEL_TENSOR_NAMES) {
    const t = tensors[name];
    if (t === undefined) {
      if (name === 'W' || name === 'b') throw new TypeError(`Model tensor "${name}" is required`);
      continue;
    }
    const n = t.shape.reduce((a, s) => a * s, 1);
    if (!ArrayBuffer.isView(t.data) || t.data.length !== n) {
      throw new RangeError(`Model tensor "${name}": ${t.data?.length} elements for shape [${t.shape.join(', ')}]`);
    }
  }
}

function metadataStrings(metadata: Record<string, string | number> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string' && typeof v !== 'number') throw new TypeError(`Weights metadata "${k}" must be a string or number`);
    out[k] = String(v); // String(number) is the shortest round-trip form: Number() reads back the same double
  }
  return out;
}

/**
 * What every store's create() checks and copies first: a plain-object record (round-tripped
 * through JSON, so what create returns equals what get will read), the tensors, the metadata.
 */
export function acceptCreate(
  record: Record<string, unknown>,
  tensors: ModelTensors,
  metadata?: Record<string, string | number>,
): { record: Record<string, unknown>; metadata: Record<string, string> } {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new TypeError('record must be a plain object');
  checkModelTensors(tensors);
  const strings = metadataStrings(metadata);
  return { record: JSON.parse(JSON.stringify(record)) as Record<string, unknown>, metadata: strings };
}
