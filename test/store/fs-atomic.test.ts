import t from 'tap';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, isTempName, sweepTemp, tempPathFor, writeFileAtomic, writeJsonAtomic } from '../../src/store/fs-atomic.js';
import { scratch } from './fixtures/helper.js';

t.test('writes, replaces and leaves no temp file', async (t) => {
  const dir = await scratch(t, 'hjnet-atomic-');
  const path = join(dir, 'job.json');
  await writeFileAtomic(path, 'one');
  await writeFileAtomic(path, Buffer.from('two'));
  t.equal(await readFile(path, 'utf8'), 'two');
  await writeJsonAtomic(path, { a: 1 });
  t.strictSame(JSON.parse(await readFile(path, 'utf8')), { a: 1 });
  t.strictSame(await readdir(dir), ['job.json']);
  await fsyncDir(dir);
});

t.test('a failed write removes its temp file and keeps the old content', async (t) => {
  const dir = await scratch(t, 'hjnet-atomic-');
  const path = join(dir, 'x');
  await writeFileAtomic(path, 'old');
  // Renaming a file over a non-empty directory fails after the temp file was written.
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'f'), '');
  await t.rejects(writeFileAtomic(join(dir, 'sub'), 'new'));
  t.strictSame((await readdir(dir)).sort(), ['sub', 'x']);
  t.equal(await readFile(path, 'utf8'), 'old');
  await t.rejects(writeFileAtomic(join(dir, 'missing-dir', 'f'), 'x'), { code: 'ENOENT' });
});

t.test('concurrent writers: the file is always one whole version', async (t) => {
  const dir = await scratch(t, 'hjnet-atomic-');
  const path = join(dir, 'x');
  const versions = Array.from({ length: 40 }, (_, i) => String(i).repeat(10000));
  const reads: Promise<void>[] = [];
  await writeFileAtomic(path, versions[0]!);
  const writes = versions.map((v) => writeFileAtomic(path, v));
  for (let i = 0; i < 40; i++) {
    reads.push(
      readFile(path, 'utf8').then((s) => {
        if (!versions.includes(s)) throw new Error('torn read');
      }),
    );
  }
  await Promise.all([...writes, ...reads]);
  t.ok(versions.includes(await readFile(path, 'utf8')));
  t.strictSame(await readdir(dir), ['x']);
});

t.test('sweepTemp removes temp files and directories only', async (t) => {
  const dir = await scratch(t, 'hjnet-atomic-');
  const tmpFile = tempPathFor(join(dir, 'a.json'));
  t.ok(isTempName(tmpFile.slice(dir.length + 1)));
  await writeFile(tmpFile, 'partial');
  await mkdir(join(dir, '.tmp-m_0123456789abcdef-aa'));
  await writeFile(join(dir, '.tmp-m_0123456789abcdef-aa', 'weights'), 'x');
  await writeFile(join(dir, 'keep.json'), '{}');
  await writeFile(join(dir, '.hidden'), '');
  t.equal((await sweepTemp(dir)).length, 2);
  t.strictSame((await readdir(dir)).sort(), ['.hidden', 'keep.json']);
  t.strictSame(await sweepTemp(join(dir, 'nope')), []);
  t.notOk(isTempName('a.tmp-1'));
  t.notOk(isTempName('m_0123456789abcdef'));
});
