// MNIST-format datasets (MNIST, Fashion-MNIST, KMNIST): four IDX files, gzipped or not, in one
// directory. Debian's dataset-fashion-mnist installs them under /usr/share/datasets/fashion-mnist;
// a user's own MNIST download (train-images-idx3-ubyte.gz or the unpacked train-images.idx3-ubyte)
// reads the same way.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DataFormatError } from './errors.js';
import { readIdx } from './idx.js';

/** Where Debian's dataset-fashion-mnist package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The ten Fashion-MNIST classes, by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export interface MnistSplit {
  /** Pixels, row-major [n, rows, cols], 0..255. */
  images: Uint8Array;
  /** Class labels [n]. */
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
}

export interface MnistFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

export interface MnistDataset {
  train: MnistSplit;
  test: MnistSplit;
  files: MnistFiles;
}

export interface LoadMnistOptions {
  /** Keep the first rows of the training split only. */
  trainLimit?: number;
  /** Keep the first rows of the test split only. */
  testLimit?: number;
}

const STEMS: Record<keyof MnistFiles, string> = {
  trainImages: 'train-images',
  trainLabels: 'train-labels',
  testImages: 't10k-images',
  testLabels: 't10k-labels',
};

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The four files of an MNIST-format directory. Each is looked up as `<stem>-idx3-ubyte.gz`,
 * `<stem>-idx3-ubyte`, `<stem>.idx3-ubyte.gz` or `<stem>.idx3-ubyte` (idx1 for labels).
 */
export async function findMnistFiles(dir: string): Promise<MnistFiles> {
  const out: Partial<MnistFiles> = {};
  const missing: string[] = [];
  for (const key of Object.keys(STEMS) as (keyof MnistFiles)[]) {
    const stem = STEMS[key];
    const kind = key.endsWith('Images') ? 'idx3-ubyte' : 'idx1-ubyte';
    const candidates = [`${stem}-${kind}.gz`, `${stem}-${kind}`, `${stem}.${kind}.gz`, `${stem}.${kind}`].map((f) => join(dir, f));
    let found: string | undefined;
    for (const c of candidates) {
      if (await exists(c)) {
        found = c;
        break;
      }
    }
    if (found === undefined) missing.push(`${stem}-${kind}[.gz]`);
    else out[key] = found;
  }
  if (missing.length > 0) throw new Error(`No MNIST-format files under ${dir}: missing ${missing.join(', ')}`);
  return out as MnistFiles;
}

/** True when `dir` holds all four files. */
export async function hasMnistFiles(dir: string): Promise<boolean> {
  try {
    await findMnistFiles(dir);
    return true;
  } catch {
    return false;
  }
}

/** Reads one split: images [n, rows, cols] uint8 and labels [n] uint8, checked against each other. */
export async function readMnistSplit(imagesPath: string, labelsPath: string, limit?: number): Promise<MnistSplit> {
  const [images, labels] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)]);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new DataFormatError('idx', `${imagesPath}: expected uint8 images of shape [n, rows, cols], received ${images.dtype} of shape [${images.shape.join(', ')}]`);
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new DataFormatError('idx', `${labelsPath}: expected uint8 labels of shape [n], received ${labels.dtype} of shape [${labels.shape.join(', ')}]`);
  }
  const [nAll, rows, cols] = images.shape;
  if (labels.shape[0] !== nAll) {
    throw new DataFormatError('idx', `${labelsPath}: ${labels.shape[0]} labels for ${nAll} images in ${imagesPath}`);
  }
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new RangeError(`limit must be a non-negative integer, received ${limit}`);
  const n = limit === undefined ? nAll : Math.min(limit, nAll);
  return {
    images: (images.data as Uint8Array).subarray(0, n * rows * cols),
    labels: (labels.data as Uint8Array).subarray(0, n),
    n,
    rows,
    cols,
  };
}

/** Reads the training and test splits of an MNIST-format directory (default: Debian's Fashion-MNIST). */
export async function loadMnist(dir: string = FASHION_MNIST_DIR, options: LoadMnistOptions = {}): Promise<MnistDataset> {
  const files = await findMnistFiles(dir);
  const [train, test] = await Promise.all([
    readMnistSplit(files.trainImages, files.trainLabels, options.trainLimit),
    readMnistSplit(files.testImages, files.testLabels, options.testLimit),
  ]);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataFormatError('idx', `Training images are ${train.rows}x${train.cols} but test images are ${test.rows}x${test.cols}`);
  }
  return { train, test, files };
}

/**
 * Selected images as float rows [rows.length, rows*cols], pixels scaled by `scale` (default 1/255,
 * so to [0, 1]); all images in order when `which` is omitted.
 */
export function imageRows(split: MnistSplit, which?: ArrayLike<number>, scale = 1 / 255): Float32Array {
  const p = split.rows * split.cols;
  const idx = which ?? Array.from({ length: split.n }, (_, i) => i);
  const out = new Float32Array(idx.length * p);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (!(r >= 0 && r < split.n)) throw new RangeError(`image index ${r} is outside 0..${split.n - 1}`);
    const src = split.images.subarray(r * p, (r + 1) * p);
    for (let a = 0; a < p; a++) out[i * p + a] = src[a] * scale;
  }
  return out;
}
