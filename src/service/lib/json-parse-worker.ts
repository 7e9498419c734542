// The parse worker (a piscina task): large bodies are parsed and their tensors packed here, off
// the event loop. The bytes arrive transferred; the outcome goes back by structured clone.
import { packTensors, parseJson, type JsonOutcome } from './json-parse.js';

export default function parseBody({ bytes }: { bytes: Uint8Array }): JsonOutcome {
  // decoded as on the event loop (a BOM is kept, and refused by JSON.parse there as here)
  const outcome = parseJson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  if ('body' in outcome) packTensors(outcome.body);
  return outcome;
}
