// JSON bodies: what JSON.parse lets through and the API refuses (numbers beyond ±1.8e308, parsed
// as ±Infinity; prototype-poisoning keys; nesting past MAX_DEPTH), and the packing of large
// nested tensors into the binary form. Plain data in and out, so the same code runs on the event loop and in the parse
// worker (json-parse-worker.ts).
import { encodeBase64Tensor } from '../../data/base64-tensor.js';
import { fromNested } from '../../data/tensor.js';
import { leadingShape } from './tensors.js';

/** A refused body, as the fields of a 400 (lib/problem.ts `invalid`). */
export interface JsonRefusal {
  field: string;
  expected: string;
  received: string;
  detail?: string;
}

export type JsonOutcome = { body: unknown } | { refused: JsonRefusal };

/**
 * Arrays and objects nested deeper than this are refused (the API's deepest field,
 * model.support.y [K, N, d], is 6 deep): deeper values overflow the stack of a recursive walk,
 * or of structured clone when the parse worker sends its result back.
 */
export const MAX_DEPTH = 32;

class Refused extends Error {
  constructor(readonly refusal: JsonRefusal) {
    super(refusal.field);
  }
}

const TOO_DEEP: Omit<JsonRefusal, 'field'> = { expected: `JSON nested at most ${MAX_DEPTH} deep`, received: 'deeper nesting' };
const POISON: Omit<JsonRefusal, 'field'> = { expected: 'no "__proto__" or "constructor.prototype" keys', received: 'a prototype-poisoning key' };

function overflow(path: string): Refused {
  return new Refused({ field: path || 'body', expected: 'finite number (|x| <= 1.7976931348623157e308)', received: 'a number that overflows to Infinity' });
}

function walk(value: unknown, path: string, depth: number): void {
  if (typeof value === 'number') {
    if (value - value !== 0) throw overflow(path);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth === MAX_DEPTH) throw new Refused({ field: path || 'body', ...TOO_DEEP });
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'number') {
        if (v - v !== 0) throw overflow(`${path}[${i}]`);
      } else if (v !== null && typeof v === 'object') {
        walk(v, `${path}[${i}]`, depth + 1);
      }
    }
    return;
  }
  // JSON.parse makes "__proto__" an own data property: the prototype is untouched, but code
  // that copies the object with assignment would set it.
  for (const [k, v] of Object.entries(value)) {
    const at = path ? `${path}.${k}` : k;
    if (k === '__proto__' || (k === 'constructor' && v !== null && typeof v === 'object' && 'prototype' in v)) throw new Refused({ field: at, ...POISON });
    walk(v, at, depth + 1);
  }
}

/**
 * Why the API refuses a parsed JSON value, or null: its first number that overflowed to
 * ±Infinity, prototype-poisoning key, or nesting past MAX_DEPTH, in document order.
 */
export function refusalOf(value: unknown): JsonRefusal | null {
  try {
    walk(value, '', 0);
    return null;
  } catch (err) {
    if (err instanceof Refused) return err.refusal;
    throw err;
  }
}

export function parseJson(text: string): JsonOutcome {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    if (err instanceof RangeError) return { refused: { field: 'body', ...TOO_DEEP } };  // the parser's stack
    if (!(err instanceof SyntaxError)) throw err;
    return { refused: { field: 'body', expected: 'valid JSON', received: 'malformed JSON', detail: `Malformed JSON body: ${err.message}` } };
  }
  // One walk of the parsed value: a tenth of the time a regular expression over the text took,
  // and no reviver (which recurses once per level inside JSON.parse).
  const refused = refusalOf(body);
  return refused === null ? { body } : { refused };
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
    if (TENSOR_KEYS.has(key) && Array.isArray(child) && Array.isArray(child[0]) && leadingShape(child, 3).reduce((n, len) => n * len, 1) >= PACK_MIN_NUMBERS) {
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
