// JSON bodies: what JSON.parse lets through and the API refuses (numbers beyond ±1.8e308, parsed
// as ±Infinity; prototype-poisoning keys), and the packing of large nested tensors into the
// binary form. Plain data in and out, so the same code runs on the event loop and in the parse
// worker (json-parse-worker.ts).
import { encodeBase64Tensor } from '../../data/base64-tensor.js';
import { fromNested } from '../../data/tensor.js';

/** A refused body, as the fields of a 400 (lib/problem.ts `invalid`). */
export interface JsonRefusal {
  field: string;
  expected: string;
  received: string;
  detail?: string;
}

export type JsonOutcome = { body: unknown } | { refused: JsonRefusal };

const MAYBE_POISON = /"(__proto__|constructor)"/;

class PoisonKey extends Error {}

function rejectPoison(key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value)) {
    throw new PoisonKey(key);
  }
  return value;
}

/** The path of the first non-finite number in a parsed JSON value, or null. */
export function findNonFinite(value: unknown, path = ''): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'number') {
        if (v - v !== 0) return `${path}[${i}]`;
      } else if (v !== null && typeof v === 'object') {
        const found = findNonFinite(v, `${path}[${i}]`);
        if (found !== null) return found;
      }
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const found = findNonFinite(v, path ? `${path}.${k}` : k);
    if (found !== null) return found;
  }
  return null;
}

export function parseJson(text: string): JsonOutcome {
  let body: unknown;
  try {
    body = MAYBE_POISON.test(text) ? JSON.parse(text, rejectPoison) : JSON.parse(text);
  } catch (err) {
    if (err instanceof PoisonKey) {
      return { refused: { field: err.message, expected: 'no "__proto__" or "constructor.prototype" keys', received: 'a prototype-poisoning key' } };
    }
    if (!(err instanceof SyntaxError)) throw err;
    return { refused: { field: 'body', expected: 'valid JSON', received: 'malformed JSON', detail: `Malformed JSON body: ${err.message}` } };
  }
  // A walk of the parsed value: a tenth of the time a regular expression over the text takes.
  const at = findNonFinite(body);
  if (at !== null) {
    return { refused: { field: at || 'body', expected: 'finite number (|x| <= 1.7976931348623157e308)', received: 'a number that overflows to Infinity' } };
  }
  return { body };
}

// Fields whose schema takes the binary form wherever they occur: queries and inputs X, weights
// W, support points y (support.y) and targets y (data.y).
const TENSOR_KEYS = new Set(['X', 'W', 'y']);
const PACK_MIN_NUMBERS = 4096;

/**
 * Replaces, in place, every rectangular nested array of numbers of rank 2 or 3 and at least
 * PACK_MIN_NUMBERS numbers under a key of TENSOR_KEYS by the same values as a float64 binary
 * tensor, which the event loop decodes in one copy instead of walking millions of JS values.
 * Anything else (ragged, other elements, small) stays as it is, for the usual validation.
 */
export function packTensors(value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const record = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(record)) {
    if (TENSOR_KEYS.has(key) && Array.isArray(child) && Array.isArray(child[0]) && roughSize(child) >= PACK_MIN_NUMBERS) {
      try {
        record[key] = encodeBase64Tensor(fromNested(child, key, { rank: [2, 3] }));
        continue;
      } catch {
        // not a rectangular array of numbers: validated on the event loop with its field
      }
    }
    packTensors(child);
  }
}

/** The product of the first elements' lengths: the size if the array is rectangular. */
function roughSize(value: unknown[]): number {
  let n = 1;
  let node: unknown = value;
  while (Array.isArray(node)) {
    n *= node.length;
    node = node[0];
  }
  return n;
}
