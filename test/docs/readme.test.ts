// The documentation stands alone in a clone: every relative link of README.md and docs/*.md names
// a file inside the repository, docs/SPEC.md is the shared contract verbatim, and the README's
// word on Node 20 holds (the two dependencies that declare node >= 22 load and work here).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';

const root = resolve(import.meta.dirname, '../..');
const docs = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

t.test('relative links stay inside the repository and resolve', async (t) => {
  for (const doc of docs) {
    const text = readFileSync(join(root, doc), 'utf8');
    for (const [, link] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:|#)/.test(link)) continue;
      const target = resolve(dirname(join(root, doc)), link.split('#')[0]);
      t.notOk(relative(root, target).startsWith('..'), `${doc}: ${link} stays inside the repository`);
      t.ok(existsSync(target), `${doc}: ${link} exists`);
    }
  }
});

t.test('docs/SPEC.md is the shared contract after its one-line preface', { skip: !existsSync(join(root, '../shared/SPEC.md')) && 'no ../shared/SPEC.md beside this clone' }, async (t) => {
  const copy = readFileSync(join(root, 'docs/SPEC.md'), 'utf8').split('\n');
  t.match(copy[0], /contract.*DESIGN\.md/);
  t.equal(copy.slice(2).join('\n'), readFileSync(join(root, '../shared/SPEC.md'), 'utf8'));
});

t.test('the dependencies that declare node >= 22 work on this Node, which package.json admits', async (t) => {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node;
  t.equal(engines, '>=20.19', 'the first Node 20 that require()s an ES module without a flag');
  t.ok(major > 20 || (major === 20 && minor >= 19), `node ${process.versions.node}`);
  // Loaded as their CommonJS parents load them.
  const fromStatic = createRequire(join(root, 'node_modules/@fastify/static/index.js'));
  t.equal(fromStatic('content-disposition').create('m.safetensors'), 'attachment; filename=m.safetensors');
  const fromInject = createRequire(join(root, 'node_modules/light-my-request/lib/cookies.js'));
  t.equal(fromInject('cookie').stringifySetCookie({ name: 'a', value: 'b' }), 'a=b');
});
