// Where a trained model goes: a safetensors file (tensors W, b, y, g in float64; the metadata of
// engine/weights-metadata.ts, as the service writes them) or a running service (POST /v1/models
// with the support form).
import { rename, rm, writeFile } from 'node:fs/promises';
import { encodeBase64Tensor } from '../data/base64-tensor.js';
import { serializeSafetensors } from '../data/safetensors.js';
import type { Tensor as DataTensor } from '../data/tensor.js';
import { createModel, type ModelSpec } from '../engine/index.js';
import { weightsMetadata } from '../engine/weights-metadata.js';

/** Writes the model to `path` atomically (a temporary file renamed into place). */
export async function writeModelFile(path: string, spec: ModelSpec): Promise<void> {
  const model = await createModel(spec);
  const tensors = model.tensors() as unknown as Record<string, DataTensor>;
  const metadata = weightsMetadata(model.info);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, serializeSafetensors(tensors, metadata));
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export class ServerError extends Error {
  override name = 'ServerError';
}

/** Registers the model with the service at `base`; resolves with the new model's id. */
export async function registerModel(base: string, spec: ModelSpec, apiKey?: string): Promise<string> {
  const support = spec.support as { y: { data: Float64Array; shape: number[] }; g: { data: Float64Array; shape: number[] } };
  const binary = (x: { data: Float64Array; shape: number[] }) => encodeBase64Tensor({ dtype: 'float64', shape: x.shape, data: x.data });
  const body = {
    ...(spec.name !== undefined ? { name: spec.name } : {}),
    task: spec.task,
    eps: spec.eps,
    t: spec.t,
    support: { y: binary(support.y), g: binary(support.g) },
  };
  const url = `${base}/v1/models`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new ServerError(`Cannot reach ${url}: ${cause ?? (err as Error).message}`);
  }
  const text = await res.text();
  let payload: { id?: string; detail?: string } = {};
  try {
    payload = JSON.parse(text);
  } catch {
    payload = {};
  }
  if (res.status !== 201 || typeof payload.id !== 'string') {
    throw new ServerError(`POST ${url} answered ${res.status}: ${payload.detail ?? text.slice(0, 300)}`);
  }
  return payload.id;
}
