// Permalinks in the page (issue: shareable permalinks).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, launch, openPage, drop, shot, topRows, fixture, ROOT } from '../lib.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('share a dropped series, open the link in a fresh page: same rows and findings', async () => {
  const errors = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForSelector('header.top');
  await drop(page, [0, 1, 2, 3].map((k) => fixture(`go/a2-chanrecv-leak-n500/goroutine-${k}.pb.gz`)));
  await page.waitForSelector('[data-testid=finding]');
  await page.click('[data-tab=top]');
  const original = await topRows(page);
  await page.click('[data-testid=share]');
  const url = await page.inputValue('[data-testid=share-url]');
  assert.ok(url.startsWith(server.url + '#s=2.'), url);
  assert.ok(url.length <= 2000, `${url.length} chars`);
  assert.match(await page.textContent('[data-testid=share-dialog]'), /Never the profile itself/);
  await page.click('[data-testid=copy-link]');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
  await shot(page, 'share-dialog');

  const fresh = await openPage(browser, url, errors);
  await fresh.waitForSelector('[data-testid=summary-banner]');
  assert.match(await fresh.textContent('[data-testid=summary-banner]'), /summary from a link; drop the original profile for full detail/i);
  const card = await fresh.waitForSelector('[data-testid=finding][data-severity=high]');
  assert.match(await card.textContent(), /main\.searchHandler\.func1.*0 → 167 → 334 → 500/s);
  await shot(fresh, 'link-leaks');
  await fresh.click('[data-tab=top]');
  const rows = await topRows(fresh);
  assert.ok(rows.length >= Math.min(20, original.length));
  for (let i = 0; i < rows.length; i++) assert.deepEqual(rows[i], original[i], `row ${i}`);
  await fresh.click('[data-tab=flame]');
  await fresh.waitForSelector('[data-testid=flame-canvas]');
  assert.equal(await fresh.$$eval('[data-tab=source], [data-tab=traces]', (t) => t.length), 0, 'no Source/Traces for a summary');
  await shot(fresh, 'link-flame');
  assert.deepEqual(errors, []);
  await context.close();
});

test('broken links show a clear message and the start page', async () => {
  const good = execFileSync(join(ROOT, 'target/release/leakscope'), ['link', '--base-url', server.url, fixture('go/a1-chanrecv-leak-n3/goroutine-3.pb.gz')], { encoding: 'utf8' }).trim();
  const cases = [
    [good.slice(0, good.length - 25), /Link: the link is damaged/],
    [server.url + '#s=1.not*base64', /Link: the link is damaged: its data is not valid base64url/],
    [server.url + '#s=9.AAAA', /Link: the link's summary version "9" is not one this page reads/],
  ];
  for (const [url, want] of cases) {
    const errors = [];
    const page = await openPage(browser, url, errors);
    const banner = await page.waitForSelector('[data-testid=error-banner]');
    assert.match(await banner.textContent(), want, url);
    await page.waitForSelector('[data-testid=open-demo]');
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('a link crafted to decompress to something huge is refused quickly', async () => {
  const { deflateRawSync } = await import('node:zlib');
  const bomb = deflateRawSync(Buffer.alloc(64 << 20), { level: 9 }).toString('base64url');
  const errors = [];
  const page = await openPage(browser, server.url + '#s=1.' + bomb, errors);
  const banner = await page.waitForSelector('[data-testid=error-banner]');
  assert.match(await banner.textContent(), /decompresses to more than 1048576 bytes; refused/);
  assert.deepEqual(errors, []);
});

test('names inside a link are text, never HTML', async () => {
  const evil = '<img src=x onerror=alert(1)>';
  const dir = mkdtempSync(join(tmpdir(), 'ls-'));
  const file = join(dir, 'evil.txt');
  const g = (id) => `goroutine ${id} [chan receive (nil chan)]:\nmain.${evil}()\n\t/src/${evil}.go:12 +0x1\ncreated by main.start\n\tmain.go:3 +0x2\n\n`;
  writeFileSync(file, g(1) + g(2) + g(3));
  const url = execFileSync(join(ROOT, 'target/release/leakscope'), ['link', '--base-url', server.url, file], { encoding: 'utf8' }).trim();
  const errors = [];
  const page = await openPage(browser, url, errors);
  await page.waitForSelector('[data-testid=finding]');
  await page.click('[data-tab=top]');
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  assert.ok((await page.content()).includes('main.&lt;img src=x onerror=alert(1)&gt;'));
  assert.equal(await page.$$eval('img', (i) => i.length), 0);
  assert.deepEqual(errors, []);
});
