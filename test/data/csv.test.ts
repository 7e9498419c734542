import t from 'tap';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCsv, parseCsv, readCsv } from '../../src/data/csv.js';
import { DataFormatError } from '../../src/data/errors.js';
import { thrown } from './fixtures/helper.js';

const formatError = (fn: () => unknown): DataFormatError => thrown(DataFormatError, fn);

t.test('header detection and values', async (t) => {
  const withHeader = parseCsv('x1,x2,y\n1,2,3\n-4.5,1e-3,+6\n');
  t.strictSame(withHeader.columns, ['x1', 'x2', 'y']);
  t.ok(withHeader.hasHeader);
  t.strictSame(withHeader.shape, [2, 3]);
  t.equal(withHeader.dtype, 'float64');
  t.strictSame(Array.from(withHeader.data), [1, 2, 3, -4.5, 0.001, 6]);

  const bare = parseCsv('1,2\r\n3,4\r\n');
  t.notOk(bare.hasHeader);
  t.strictSame(bare.columns, ['0', '1']);
  t.strictSame(Array.from(bare.data), [1, 2, 3, 4]);

  t.strictSame(parseCsv('1,2\n3,4', { header: true }).columns, ['1', '2']);
  t.strictSame(parseCsv('1,2\n3,4', { header: true }).shape, [1, 2]);
  t.throws(() => parseCsv('a,b\n1,2', { header: false }), { message: /line 1, column 1 but received "a"/ });
  t.strictSame(Array.from(parseCsv('a;b\n1,5;-2\n', { delimiter: ';', decimal: ',' }).data), [1.5, -2]);
  t.throws(() => parseCsv('a;b\n1,5;2\n', { delimiter: ';' }), { message: /column 1 \("a"\) but received "1,5"/ });
  t.throws(() => parseCsv('1', { decimal: ',' }), /must differ/);
  t.strictSame(Array.from(parseCsv('a\tb\n1\t2\n', { delimiter: '\t' }).data), [1, 2]);
  t.strictSame(parseCsv('\uFEFFa,b\n1,2\n').columns, ['a', 'b'], 'BOM stripped');
});

t.test('quoting, blank lines and spacing', async (t) => {
  const m = parseCsv('"x, first","say ""hi""\nthere"\n\n "1" , 2 \n\n3,"4"\n');
  t.strictSame(m.columns, ['x, first', 'say "hi"\nthere']);
  t.strictSame(Array.from(m.data), [1, 2, 3, 4]);
  t.strictSame(m.shape, [2, 2]);
  // Line numbers count the newline inside the quoted header.
  t.match(formatError(() => parseCsv('"a\nb",c\n1,2\n3,x\n')).message, /line 4, column 2 \("c"\) but received "x"/);
});

t.test('empty inputs', async (t) => {
  t.strictSame(parseCsv('').shape, [0, 0]);
  t.strictSame(parseCsv('a,b,c\n').shape, [0, 3]);
  t.strictSame(parseCsv('a,b,c\n').columns, ['a', 'b', 'c']);
});

t.test('bad cells and rows name their line', async (t) => {
  const cases: [string, string, RegExp, number][] = [
    ['text cell', 'a,b\n1,2\n3,abc\n', /^Expected finite number at line 3, column 2 \("b"\) but received "abc"$/, 3],
    ['empty cell', 'a,b\n1,\n', /line 2, column 2 \("b"\) but received an empty cell/, 2],
    ['overflow', 'a\n1e400\n', /line 2, column 1 \("a"\) but received "1e400"/, 2],
    ['nan', 'a\nNaN\n', /received "NaN"/, 2],
    ['hex', 'a\n0x10\n', /received "0x10"/, 2],
    ['short row', 'a,b\n1,2\n3\n', /Line 3 has 1 fields, expected 2 \(as the header\)/, 3],
    ['long row', '1,2\n3,4,5\n', /Line 2 has 3 fields, expected 2 \(as the first row\)/, 2],
    ['unterminated quote', 'a\n"1\n', /Unterminated quoted field starting on line 2/, 2],
    ['stray quote', 'a\n1"2\n', /Unexpected quote inside an unquoted field on line 2/, 2],
    ['text after quote', 'a\n"1"x\n', /Unexpected character "x" after a quoted field on line 2/, 2],
  ];
  for (const [what, text, pattern, line] of cases) {
    const e = formatError(() => parseCsv(text));
    t.match(e.message, pattern, what);
    t.equal(e.line, line, `${what}: line`);
    t.equal(e.format, 'csv');
  }
  t.throws(() => parseCsv('1', { delimiter: '"' }), RangeError);
});

t.test('format then parse round trips random matrices', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.context(), (rows, cols, _ctx) => {
      const data = Float64Array.from({ length: rows * cols }, () => (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20));
      const names = Array.from({ length: cols }, (_, k) => (k % 2 ? `col "${k}", x` : `c${k}`));
      const text = formatCsv({ dtype: 'float64', shape: [rows, cols], data }, names);
      const back = parseCsv(text, { header: true });
      assert.deepEqual(back.columns, names);
      assert.deepEqual(back.shape, [rows, cols]);
      assert.deepEqual(Array.from(back.data), Array.from(data, (v) => (v === 0 ? 0 : v)));
    }),
    { numRuns: 100 },
  );
  t.pass('round trips');
});

t.test('readCsv reads a file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hjnet-csv-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'd.csv'), 'x,y\n0.5,1\n');
  t.strictSame(Array.from((await readCsv(join(dir, 'd.csv'))).data), [0.5, 1]);
});
