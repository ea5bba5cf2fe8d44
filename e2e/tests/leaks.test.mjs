// The Leaks view (issue: leak detective) and the bundled demo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPage, drop, shot, fixture } from '../lib.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

test('a dropped debug=2 series opens on Leaks with the finding, chart and links', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await drop(page, [0, 1, 2, 3].map((k) => fixture(`go/b-chansend-unbuffered/goroutine-${k}.debug2.txt`)));
  const card = await page.waitForSelector('[data-testid=finding][data-severity=high]');
  assert.equal(await page.getAttribute('[data-tab=leaks]', 'aria-selected'), 'true', 'Leaks opens first');
  const text = await card.textContent();
  assert.match(text, /main\.audit/);
  assert.match(text, /leakdemo\/chansend\/main\.go:30/);
  assert.match(text, /10 → 20 → 30 → 40/);
  assert.match(text, /created by main\.orderHandler/);
  assert.equal(await card.getAttribute('data-rule'), 'chan-send-no-receiver');
  assert.equal(await card.$eval('svg.chart', (s) => s.getAttribute('aria-label')), 'goroutines per snapshot: 10, 20, 30, 40');
  await shot(page, 'leaks-finding');
  await card.$eval('[data-testid=to-source]', (b) => b.click());
  await page.waitForSelector('section.source-view');
  assert.equal(await page.$eval('[data-testid=source-fn]', (s) => s.value), 'main.audit');
  await page.click('[data-tab=leaks]');
  const card2 = await page.waitForSelector('[data-testid=finding][data-severity=high]');
  await card2.$eval('[data-testid=to-flame]', (b) => b.click());
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-canvas]')?.dataset.zoom !== '0');
  assert.deepEqual(errors, []);
});

test('the healthy demo says no leak and what was checked', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.click('[data-testid=open-demo-healthy]');
  await page.waitForSelector('[data-tab=leaks]');
  await page.click('[data-tab=leaks]');
  const none = await page.waitForSelector('[data-testid=no-leak]');
  assert.match(await none.textContent(), /No leak found.*4 goroutine snapshot/s);
  assert.deepEqual(errors, []);
});

test('Open demo: the leak series, ordered by time, with its source', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.click('[data-testid=open-demo]');
  const card = await page.waitForSelector('[data-testid=finding][data-severity=high]');
  assert.match(await card.textContent(), /0 → 167 → 334 → 500/);
  const options = await page.$$eval('[data-testid=snapshot-select] option', (o) => o.map((x) => x.textContent));
  assert.deepEqual(options.map((o) => o.split(' ')[0]), ['leak-goroutine-0.pb.gz', 'leak-goroutine-1.pb.gz', 'leak-goroutine-2.pb.gz', 'leak-goroutine-3.pb.gz']);
  await card.$eval('[data-testid=to-source]', (b) => b.click());
  const row = await page.waitForSelector('[data-testid=listing] tr[data-line="28"]');
  assert.equal(await row.getAttribute('class'), 'hot');
  await shot(page, 'demo-source');
  assert.deepEqual(errors, []);
});
