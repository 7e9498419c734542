// Loaded engine models, bounded by an estimate of their memory (HJNET_MODEL_CACHE_BYTES) and
// evicted least recently used first. Loads are single-flight: concurrent requests for one id
// share one load. A delete drops the entry, and a load that finishes after it is not kept.
export class ModelCache<V> {
  readonly #entries = new Map<string, { value: Promise<V>; bytes: number }>();
  #bytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly sizeOf: (value: V) => number,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The cached value, or the result of load() (kept unless it fails or the id is dropped meanwhile). */
  get(id: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(id);
    if (hit) {
      // Map order is recency order: move to the end.
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit.value;
    }
    const entry = { value: load(), bytes: 0 };
    this.#entries.set(id, entry);
    entry.value.then(
      (v) => this.#settle(id, entry, v),
      () => {
        if (this.#entries.get(id) === entry) this.#entries.delete(id);
      },
    );
    return entry.value;
  }

  set(id: string, value: V): void {
    this.delete(id);
    const entry = { value: Promise.resolve(value), bytes: 0 };
    this.#entries.set(id, entry);
    this.#settle(id, entry, value);
  }

  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
  }

  #settle(id: string, entry: { bytes: number }, value: V): void {
    if (this.#entries.get(id) !== entry) return;
    entry.bytes = this.sizeOf(value);
    this.#bytes += entry.bytes;
    for (const [key, e] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      // Loads in flight (bytes 0) and the newest entry stay.
      if (key === id || e.bytes === 0) continue;
      this.delete(key);
    }
    // HJNET_MODEL_CACHE_BYTES=0 turns caching off; otherwise the newest entry stays even if larger.
    if (this.maxBytes === 0) this.delete(id);
  }
}
