// The metadata of a model's safetensors file, the same from the service (GET /v1/models/{id}/weights)
// and from `hjnet train --out`: what a reader needs besides the tensors to rebuild the model.
import type { ModelInfo } from './types.js';

/**
 * format "hjnet"; form ("support": rebuild from y, g; "weights": from W, b), task, eps, t; classes,
 * name and training when set. Safetensors metadata are strings: numbers in their shortest
 * round-trip form, lists and records as JSON.
 */
export function weightsMetadata(info: ModelInfo): Record<string, string> {
  const metadata: Record<string, string> = { format: 'hjnet', form: info.form, task: info.task, eps: String(info.eps), t: String(info.t) };
  if (info.classes !== null) metadata.classes = JSON.stringify(info.classes);
  if (info.name !== null) metadata.name = info.name;
  if (info.training !== null) metadata.training = JSON.stringify(info.training);
  return metadata;
}
