// The embedded model store: one directory per model under <dataDir>/models/<id>/ holding
// weights.safetensors and model.json. A model is built in a temp directory (weights first,
// model.json last) and published by one rename, so after any crash it is whole or absent.
// Deletion is a rename to a trash name, then removal. Ids are checked against MODEL_ID_PATTERN
// before any path is built.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseSafetensors, serializeSafetensors } from '../data/safetensors.js';
import type { Tensor } from '../data/tensor.js';
import { TEMP_MARKER, fsyncDir, isTempName, sweepTemp, writeFileDurable } from './fs-atomic.js';
import {
  ModelStoreCorruptError,
  acceptCreate,
  isModelId,
  newModelId,
  type ModelStore,
  type ModelTensors,
  type StoredModel,
  type StoredWeights,
} from './model-store.js';

const WEIGHTS_FILE = 'weights.safetensors';
const META_FILE = 'model.json';
const FORMAT = 'hjnet-model/1';
const TRASH_PREFIX = `.trash-`;

interface MetaFile {
  format: string;
  id: string;
  created_at: string;
  weights: { file: string; bytes: number; sha256: string };
  record: Record<string, unknown>;
}

export interface FsModelStoreOptions {
  /** Called for models list() skips and for what open() sweeps away. */
  onWarning?: (message: string, error?: unknown) => void;
}

export class FsModelStore implements ModelStore {
  /** <dataDir>/models */
  readonly root: string;
  private readonly warn: (message: string, error?: unknown) => void;

  private constructor(root: string, options: FsModelStoreOptions) {
    this.root = root;
    this.warn = options.onWarning ?? (() => {});
  }

  /** Opens (creating if needed) the store under dataDir and removes what an interrupted write or delete left. */
  static async open(dataDir: string, options: FsModelStoreOptions = {}): Promise<FsModelStore> {
    const store = new FsModelStore(join(resolve(dataDir), 'models'), options);
    await mkdir(store.root, { recursive: true });
    await store.recover();
    return store;
  }

  /** Removes staging and trash directories and any model directory without its commit marker. */
  private async recover(): Promise<void> {
    for (const name of await sweepTemp(this.root)) this.warn(`Removed unfinished model staging directory ${name}`);
    const names = await readdir(this.root);
    let removed = false;
    for (const name of names) {
      if (name.startsWith(TRASH_PREFIX)) {
        await rm(join(this.root, name), { recursive: true, force: true });
        removed = true;
      } else if (isModelId(name)) {
        const dir = join(this.root, name);
        const inside = await readdir(dir).catch(() => null);
        if (inside === null) continue; // not a directory: leave foreign files alone
        if (!inside.includes(META_FILE)) {
          this.warn(`Removed model directory ${name} without ${META_FILE}`);
          await rm(dir, { recursive: true, force: true });
          removed = true;
        } else if (inside.some(isTempName)) {
          await sweepTemp(dir);
        }
      }
    }
    if (removed) await fsyncDir(this.root);
  }

  async create(
    record: Record<string, unknown>,
    tensors: ModelTensors,
    metadata?: Record<string, string | number>,
  ): Promise<StoredModel> {
    const accepted = acceptCreate(record, tensors, metadata);
    const recordCopy = accepted.record;
    const named: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(tensors)) if (v !== undefined) named[k] = v;
    const weights = serializeSafetensors(named, accepted.metadata);
    const sha256 = createHash('sha256').update(weights).digest('hex');

    for (let attempt = 0; ; attempt++) {
      const id = newModelId();
      const meta: MetaFile = {
        format: FORMAT,
        id,
        created_at: new Date().toISOString(),
        weights: { file: WEIGHTS_FILE, bytes: weights.byteLength, sha256 },
        record: recordCopy,
      };
      const staging = join(this.root, `${TEMP_MARKER}${id}-${randomBytes(4).toString('hex')}`);
      try {
        await mkdir(staging);
        await writeFileDurable(join(staging, WEIGHTS_FILE), weights);
        await writeFileDurable(join(staging, META_FILE), JSON.stringify(meta, null, 2) + '\n'); // the commit marker, last
        await fsyncDir(staging);
        await rename(staging, join(this.root, id));
      } catch (err) {
        await rm(staging, { recursive: true, force: true });
        const code = (err as NodeJS.ErrnoException).code;
        // Id collision (2^-64 per pair): rename onto a non-empty directory fails; draw again.
        if ((code === 'ENOTEMPTY' || code === 'EEXIST') && attempt < 3) continue;
        throw err;
      }
      await fsyncDir(this.root);
      return { id, created_at: meta.created_at, record: recordCopy };
    }
  }

  private async readMeta(id: string): Promise<MetaFile | undefined> {
    if (!isModelId(id)) return undefined;
    let text: string;
    try {
      text = await readFile(join(this.root, id, META_FILE), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
    let meta: MetaFile;
    try {
      meta = JSON.parse(text) as MetaFile;
    } catch (err) {
      throw new ModelStoreCorruptError(id, `${META_FILE} is not JSON (${(err as Error).message})`);
    }
    if (meta?.format !== FORMAT || meta.id !== id || typeof meta.record !== 'object' || meta.record === null) {
      throw new ModelStoreCorruptError(id, `${META_FILE} is not an ${FORMAT} record for this id`);
    }
    return meta;
  }

  async get(id: string): Promise<StoredModel | undefined> {
    const meta = await this.readMeta(id);
    return meta && { id: meta.id, created_at: meta.created_at, record: meta.record };
  }

  async list(): Promise<StoredModel[]> {
    const out: StoredModel[] = [];
    const ids = (await readdir(this.root)).filter(isModelId);
    const metas = await Promise.all(
      ids.map((id) =>
        this.get(id).catch((err: unknown) => {
          this.warn(`Skipping model ${id}: ${(err as Error).message}`, err);
          return undefined;
        }),
      ),
    );
    for (const m of metas) if (m) out.push(m);
    return out.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1));
  }

  async delete(id: string): Promise<boolean> {
    if (!isModelId(id)) return false;
    const trash = join(this.root, `${TRASH_PREFIX}${id}-${randomBytes(4).toString('hex')}`);
    try {
      // One rename makes the model vanish for every reader at once; concurrent deletes race on it and one wins.
      await rename(join(this.root, id), trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    await fsyncDir(this.root);
    await rm(trash, { recursive: true, force: true });
    return true;
  }

  async weightsFile(id: string): Promise<Buffer | undefined> {
    const meta = await this.readMeta(id);
    if (!meta) return undefined;
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.root, id, WEIGHTS_FILE));
    } catch (err) {
      // Deleted between reading the record and the weights.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (bytes.byteLength !== meta.weights.bytes || sha !== meta.weights.sha256) {
      throw new ModelStoreCorruptError(id, `${WEIGHTS_FILE} does not match its checksum`);
    }
    return bytes;
  }

  async weights(id: string): Promise<StoredWeights | undefined> {
    const bytes = await this.weightsFile(id);
    if (!bytes) return undefined;
    let parsed;
    try {
      parsed = parseSafetensors(bytes);
    } catch (err) {
      throw new ModelStoreCorruptError(id, (err as Error).message);
    }
    const { W, b, y, g } = parsed.tensors;
    if (!W || !b) throw new ModelStoreCorruptError(id, `${WEIGHTS_FILE} lacks W or b`);
    const tensors: ModelTensors = { W, b };
    if (y) tensors.y = y;
    if (g) tensors.g = g;
    return { tensors, metadata: parsed.metadata };
  }

  async tensors(id: string): Promise<ModelTensors | undefined> {
    return (await this.weights(id))?.tensors;
  }
}
