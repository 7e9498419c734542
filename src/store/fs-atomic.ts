// Crash-safe file writes: write a temp file in the same directory, fsync it, rename it over the
// target, fsync the directory. After a crash the target is the old or the new content, never a mix;
// what is left is a temp file that sweepTemp removes on the next start.
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temp names start with "." and contain this marker, so listings that skip dot-files ignore them. */
export const TEMP_MARKER = '.tmp-';

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.includes(TEMP_MARKER);
}

/** A fresh temp path beside `path` (same directory, hence same filesystem, so rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMP_MARKER}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Makes a directory's entries (creations, renames, unlinks) durable. A no-op where the platform cannot fsync directories. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF' && code !== 'EACCES') throw err;
  } finally {
    await fh?.close();
  }
}

/** Writes a new file and fsyncs it; fails if it exists. For files inside a directory not yet published. */
export async function writeFileDurable(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const fh = await open(path, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces `path` atomically and durably with `data`. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await writeFileDurable(tmp, data, options.mode);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fsyncDir(dirname(path));
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Removes the temp files and directories a crash left in `dir`; returns their names. */
export async function sweepTemp(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const swept = names.filter(isTempName);
  await Promise.all(swept.map((n) => rm(join(dir, n), { recursive: true, force: true })));
  if (swept.length > 0) await fsyncDir(dir);
  return swept;
}
