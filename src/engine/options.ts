// Per-call options of evaluate, attribute and certifyRadius, checked by field.
import { Described, rangeError, typeError } from './errors.js';
import type { Precision } from './binding.js';
import { checkEps } from './spec.js';
import type { OutputName } from './types.js';

export const OUTPUTS: readonly OutputName[] = ['f', 'u', 'pi', 'entropy', 'grad_f', 'grad_u', 'hessian_norm'];

/** Unknown option names are an error, not silently ignored (a typo would change nothing); `names` lists every option of T, as the type checks. */
export function checkOptionNames<T extends object>(options: T, names: Required<Record<keyof T, 1>>): void {
  if (options === null || typeof options !== 'object') throw typeError('options', 'object', options);
  for (const key of Object.keys(options)) {
    if ((options as Record<string, unknown>)[key] !== undefined && !Object.hasOwn(names, key)) {
      throw typeError(`options.${key}`, `one of the options ${Object.keys(names).join(', ')}`, new Described('an unknown option'));
    }
  }
}

export function checkPrecision(value: unknown): Precision {
  if (value === undefined) return 'float64';
  if (value !== 'float32' && value !== 'float64') throw rangeError('precision', '"float32" or "float64"', value);
  return value;
}

export function checkEpsOverride(value: unknown, modelEps: number): number {
  return value === undefined ? modelEps : checkEps(value, 'eps');
}

export function checkInteger(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw typeError(field, 'integer', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw rangeError(field, `integer in [${min}, ${max}]`, value);
  }
  return value;
}

export function checkOutputs(value: unknown): Set<OutputName> {
  if (value === undefined) return new Set(['f', 'u']);
  if (!Array.isArray(value)) throw typeError('outputs', `array of ${OUTPUTS.map((o) => `"${o}"`).join(', ')}`, value);
  value.forEach((o, i) => {
    if (!OUTPUTS.includes(o)) throw rangeError(`outputs[${i}]`, `one of ${OUTPUTS.join(', ')}`, o);
  });
  return new Set(value as OutputName[]);
}

export function checkMass(value: unknown): number {
  if (value === undefined) return 0.99;
  if (typeof value !== 'number') throw typeError('mass', 'number', value);
  if (!(value > 0 && value <= 1)) throw rangeError('mass', 'number in (0, 1]', value);
  return value;
}

/** Largest tolerance: radii then stay within float64 for every admitted model. */
export const MAX_TAU = 1e300;

export function checkTau(value: unknown): number {
  if (value === undefined) return 0.1;
  if (typeof value !== 'number') throw typeError('tau', 'number', value);
  if (!(value > 0 && value <= MAX_TAU)) throw rangeError('tau', `number in (0, ${MAX_TAU}]`, value);
  return value;
}

export function checkTarget(value: unknown): 'u' | 'f' {
  if (value === undefined) return 'u';
  if (value !== 'u' && value !== 'f') throw rangeError('target', '"u" or "f"', value);
  return value;
}

export function checkAttackSteps(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') throw typeError('attack', 'object {steps?}', value);
  return checkInteger((value as { steps?: unknown }).steps, 'attack.steps', 1, 1000, 20);
}
