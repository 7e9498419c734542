// Swagger UI in Debian's chromium: open /docs, expand the inline evaluate operation, press
// "Try it out" and "Execute", and see a 200 with numbers. Screenshot: test/artifacts/docs-evaluate.png.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { build } from './fixtures/helper.js';

const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  t.comment(`skipping the Swagger UI browser test: ${CHROMIUM} is not installed (apt-get install chromium)`);
  t.pass('skipped without chromium');
} else {
  t.test('Swagger UI: Try it out on POST /v1/evaluate', async (t) => {
    const { chromium } = await import('playwright-core');
    const app = await build(t);
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    t.teardown(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${base}/docs`, { waitUntil: 'networkidle' });
    const op = page.locator('#operations-compute-post_v1_evaluate');
    await op.locator('.opblock-summary').first().click();
    await op.getByRole('button', { name: 'Try it out' }).click();
    await op.getByRole('button', { name: 'Execute' }).click();
    const status = op.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor({ timeout: 20_000 });
    t.equal((await status.innerText()).trim(), '200', 'the example answers 200');
    const body = await op.locator('.live-responses-table .response-col_description pre').first().innerText();
    const result = JSON.parse(body);
    t.ok(Array.isArray(result.f) && typeof result.f[0][0] === 'number', 'f holds numbers');
    t.ok(typeof result.u[0][0] === 'number', 'u holds numbers');
    t.same(consoleErrors.filter((e) => /Content Security Policy|Refused/.test(e)), [], 'no CSP violations');
    const dir = fileURLToPath(new URL('../artifacts/', import.meta.url));
    await mkdir(dir, { recursive: true });
    await op.screenshot({ path: `${dir}docs-evaluate.png` });
  });
}
