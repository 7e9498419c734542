// Dynamic batching: small passes with the same options that arrive in one turn of the event
// loop (concurrent HTTP requests, say) run as one native pass, which pays the call's fixed
// cost once. A batch stays below a query tile, so that its passes take the same code path
// (and give the same bits) as each would alone.
import { binding, type GibbsPassOptions, type GibbsPassResult, type NativeHeads } from './binding.js';

interface Part {
  X: Float32Array | Float64Array;
  B: number;
  heads?: Int32Array;
  resolve: (r: GibbsPassResult) => void;
  reject: (e: unknown) => void;
}

interface Batch {
  options: GibbsPassOptions;
  float32: boolean;
  parts: Part[];
  B: number;
}

// Passes batch together when every option but the per-query heads is the same; the type
// check makes this list name every option.
const KEYED = { precision: 1, eps: 1, mode: 1, entropy: 1, fhat: 1, grad: 1, hessian: 1, pi: 1, topk: 1, maxDistance: 1 } satisfies Record<
  Exclude<keyof GibbsPassOptions, 'heads'>,
  1
>;
const KEYS = Object.keys(KEYED) as (keyof typeof KEYED)[];

function keyOf(o: GibbsPassOptions, float32: boolean): string {
  let key = `${float32} ${o.heads !== undefined}`;
  for (const k of KEYS) key += ` ${o[k]}`;
  return key;
}

export class PassBatcher {
  readonly #native: NativeHeads;
  readonly #pending = new Map<string, Batch>();
  /** Most queries in a batch, per precision: one less than a tile. */
  readonly #most: Record<GibbsPassOptions['precision'], number>;

  constructor(native: NativeHeads) {
    this.#native = native;
    const tile = binding().tileQueries;
    this.#most = { float32: tile('float32') - 1, float64: tile('float64') - 1 };
  }

  /** native.gibbs(X, B, options), possibly together with other small passes. */
  gibbs(X: Float32Array | Float64Array, B: number, options: GibbsPassOptions): Promise<GibbsPassResult> {
    const { d, K } = this.#native;
    // anything native.gibbs would refuse goes to it alone, so that its error is the caller's
    const valid = X.length === B * d && (!options.heads || options.heads.every((h, i) => i >= B || (h >= 0 && h < K)));
    const most = this.#most[options.precision] ?? 0;
    if (B === 0 || B >= most || !valid) {
      try {
        return this.#native.gibbs(X, B, options);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const float32 = X instanceof Float32Array;
    const key = keyOf(options, float32);
    let batch = this.#pending.get(key);
    if (batch && batch.B + B > most) {
      this.#flush(key, batch);
      batch = undefined;
    }
    if (!batch) {
      batch = { options, float32, parts: [], B: 0 };
      this.#pending.set(key, batch);
      setImmediate(() => this.#flush(key, batch!));
    }
    // copied now: the caller may reuse X as soon as the call returns, as with native.gibbs
    const copy = float32 ? Float32Array.from(X.subarray(0, B * d)) : Float64Array.from(X.subarray(0, B * d));
    const heads = options.heads && Int32Array.from(options.heads.subarray(0, B));
    const done = new Promise<GibbsPassResult>((resolve, reject) => batch!.parts.push({ X: copy, B, heads, resolve, reject }));
    batch.B += B;
    return done;
  }

  #flush(key: string, batch: Batch): void {
    if (this.#pending.get(key) !== batch) return;
    this.#pending.delete(key);
    const { parts, options } = batch;
    const d = this.#native.d;
    let X = parts[0].X;
    if (parts.length > 1) {
      X = batch.float32 ? new Float32Array(batch.B * d) : new Float64Array(batch.B * d);
      let at = 0;
      for (const p of parts) {
        X.set(p.X, at * d);
        at += p.B;
      }
    }
    // per-query heads come from each part: the key only says that they are set
    const heads = options.heads && Int32Array.from(parts.flatMap((p) => Array.from(p.heads!)));
    let run: Promise<GibbsPassResult>;
    try {
      run = this.#native.gibbs(X, batch.B, heads ? { ...options, heads } : options);
    } catch (err) {
      for (const p of parts) p.reject(err);
      return;
    }
    run.then(
      (res) => {
        if (parts.length === 1) return parts[0].resolve(res);
        let row = 0;
        for (const p of parts) {
          p.resolve(slice(res, row, p.B, batch.B));
          row += p.B;
        }
      },
      (err) => parts.forEach((p) => p.reject(err)),
    );
  }
}

/** Rows [row, row + B) of every output (each is [Btotal, ...] row-major). */
function slice(res: GibbsPassResult, row: number, B: number, total: number): GibbsPassResult {
  const out: Record<string, Float64Array | Int32Array> = {};
  for (const [k, v] of Object.entries(res) as [string, Float64Array | Int32Array][]) {
    const width = v.length / total;
    out[k] = v.slice(row * width, (row + B) * width);
  }
  return out as unknown as GibbsPassResult;
}
