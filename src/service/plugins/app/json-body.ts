// The JSON body parser. It replaces Fastify's to refuse what JSON.parse lets through: numbers
// beyond ±1.8e308 (parsed as ±Infinity) and prototype-poisoning keys. Reading the body as a
// string through Fastify keeps HJNET_BODY_LIMIT in force (413 before any parsing).
import type { FastifyInstance } from 'fastify';
import { shared } from '../../lib/plugin.js';
import { invalid } from '../../lib/problem.js';

// A JSON number can only overflow with a 3-digit exponent or a run of 100+ digits: only such
// bodies are walked. A run is tried from its first digit only (not from every digit in it).
const MAYBE_OVERFLOW = /[0-9][eE]\+?0*[1-9][0-9]{2}|(?:^|[^0-9])[0-9]{100}/;
const MAYBE_POISON = /"(__proto__|constructor)"/;

function rejectPoison(key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value)) {
    throw invalid(key, 'no "__proto__" or "constructor.prototype" keys', 'a prototype-poisoning key');
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

export function parseJsonBody(text: string): unknown {
  let body: unknown;
  try {
    body = MAYBE_POISON.test(text) ? JSON.parse(text, rejectPoison) : JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw invalid('body', 'valid JSON', 'malformed JSON', `Malformed JSON body: ${err.message}`);
  }
  if (MAYBE_OVERFLOW.test(text)) {
    const at = findNonFinite(body);
    if (at !== null) {
      throw invalid(at || 'body', 'finite number (|x| <= 1.7976931348623157e308)', 'a number that overflows to Infinity');
    }
  }
  return body;
}

export default shared('hjnet-json-body', async (app: FastifyInstance) => {
  // Only JSON is accepted: any other media type is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    if (text === '') {
      // A route without a body (DELETE) takes an empty one whatever its Content-Type: curl and
      // many clients send application/json on every request.
      if (request.routeOptions.schema?.body === undefined) done(null, undefined);
      else done(invalid('body', 'JSON object', 'empty body'), undefined);
      return;
    }
    try {
      done(null, parseJsonBody(text as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
});
