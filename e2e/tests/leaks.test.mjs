// The Leaks view (issues: leak detective; verdicts to trust) and the bundled demo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serve, launch, openPage, drop, shot, fixture, ROOT } from '../lib.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const svc = (path) => fixture(`services/${path}`);

test('a dropped debug=2 series opens on Leaks with the finding, its chart, survival line and links', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await drop(page, [0, 1, 2, 3].map((k) => fixture(`go/b-chansend-unbuffered/goroutine-${k}.debug2.txt`)));
  const card = await page.waitForSelector('[data-testid=finding][data-severity=high]');
  assert.equal(await page.getAttribute('[data-tab=leaks]', 'aria-selected'), 'true', 'Leaks opens first');
  assert.match(await page.textContent('[data-testid=verdict]'), /Leak found in 4 snapshots: 1 high\./);
  const text = await card.textContent();
  assert.match(text, /main\.audit/);
  assert.match(text, /leakdemo\/chansend\/main\.go:30/);
  assert.match(text, /10 → 20 → 30 → 40/);
  assert.match(await card.$eval('[data-testid=created-by]', (e) => e.textContent), /created by main\.orderHandler at leakdemo\/chansend\/main\.go:\d+/);
  assert.match(await card.$eval('[data-testid=evidence]', (e) => e.textContent), /10 of the 40 goroutines parked here were already parked 3 snapshots ago \(ids \d+–\d+\)/);
  assert.match(await card.$eval('[data-testid=basis]', (e) => e.textContent), /same goroutine ids/);
  assert.equal(await card.getAttribute('data-rule'), 'chan-send-no-receiver');
  // The chart: axes with labels, the counts, the survival line.
  const svg = await card.$('[data-testid=chart] svg');
  assert.match(await svg.getAttribute('aria-label'), /^goroutines per snapshot: 10, 20, 30, 40; already parked here: 10, 20, 30, 40$/);
  assert.deepEqual(await card.$$eval('[data-testid=axis-x] text', (t) => t.map((x) => x.textContent)), ['#1', '#2', '#3', '#4', 'snapshot']);
  assert.deepEqual(await card.$$eval('[data-testid=axis-y] text', (t) => t.map((x) => x.textContent)), ['40', '0', 'goroutines']);
  assert.ok(await card.$('[data-testid=survival-line]'), 'survival line');
  assert.equal(await card.$('[data-testid=noise-band]'), null, 'no noise band for goroutines');
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

test('a heap series charts bytes over time with the sampling noise band', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await drop(page, [0, 1, 2, 3].map((k) => svc(`cache-leak/run-1/heap-${k}.pb.gz`)));
  const card = await page.waitForSelector('[data-testid=finding][data-severity=high]');
  assert.match(await card.textContent(), /main\.render.*services\/cache-leak\/main\.go:49/s);
  assert.match(await card.$eval('[data-testid=evidence]', (e) => e.textContent), /beyond its sampling noise/);
  assert.ok(await card.$('[data-testid=noise-band]'), 'noise band');
  const xs = await card.$$eval('[data-testid=axis-x] text', (t) => t.map((x) => x.textContent));
  assert.equal(xs[0], '0s');
  assert.match(xs[3], /^\+\d+s$/);
  assert.equal(xs[4], 'time since the first snapshot');
  const ys = await card.$$eval('[data-testid=axis-y] text', (t) => t.map((x) => x.textContent));
  assert.match(ys[0], /^\d+(\.\d+)?MB$/);
  assert.equal(ys[2], 'in-use bytes');
  assert.match(await card.$eval('svg', (s) => s.getAttribute('aria-label')), /noise ±2σ/);
  assert.equal(await card.$('[data-testid=entry-function]'), null, 'heap findings name no goroutine');
  await shot(page, 'leaks-heap-noise');
  assert.deepEqual(errors, []);
});

test('a healthy series opens on its clean bill of health, with the largest sites judged healthy', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await drop(page, [0, 1, 2, 3].map((k) => svc(`workerpool/run-1/goroutine-${k}.debug2.txt.gz`)));
  const ok = await page.waitForSelector('[data-testid=no-leak]');
  assert.equal(await page.getAttribute('[data-tab=leaks]', 'aria-selected'), 'true', 'the verdict is the first view');
  assert.equal(await ok.getAttribute('data-verdict'), 'clean');
  assert.match(await ok.textContent(), /^No leak found in 4 snapshots\./);
  assert.equal(await page.$$eval('[data-testid=finding]', (f) => f.length), 0);
  const healthy = await page.$$eval('[data-testid=healthy-site]', (l) => l.map((x) => x.textContent));
  assert.ok(healthy.some((h) => /main\.\(\*service\)\.indexWorker.*400 goroutines parked in chan receive: a pool or long-lived loop, the same ids in all 4 snapshots and unchanged/.test(h)), healthy.join('\n'));
  assert.match(await page.textContent('[data-testid=checked]'), /4 goroutine snapshots: the same goroutine ids staying parked per site/);
  await shot(page, 'leaks-healthy');
  assert.deepEqual(errors, []);
});

test('one snapshot says what to capture next; the bundled healthy demo is clean', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await drop(page, [fixture('go/i1-healthy-service/goroutine-3.debug2.txt')]);
  const ok = await page.waitForSelector('[data-testid=no-leak]');
  assert.equal(await page.getAttribute('[data-tab=leaks]', 'aria-selected'), 'true');
  assert.match(await page.textContent('[data-testid=report-next]'), /take two more debug=2 dumps/);
  assert.match(await ok.textContent(), /No leak found in 1 snapshot\./);
  const fresh = await openPage(browser, server.url, errors);
  await fresh.click('[data-testid=open-demo-healthy]');
  const demo = await fresh.waitForSelector('[data-testid=no-leak]');
  assert.match(await demo.textContent(), /No leak found in 4 snapshots/);
  assert.deepEqual(errors, []);
});

test('a CPU profile gets a neutral answer, never a green "No leak found", and opens on Top', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await drop(page, [fixture('go/j-cpu-profile/cpu.pb.gz')]);
  await page.waitForSelector('[data-testid=top-table] td.name');
  await page.waitForFunction(() => !document.body.hasAttribute('data-pending'));
  assert.equal(await page.getAttribute('[data-tab=top]', 'aria-selected'), 'true', 'nothing to judge: Top stays first');
  await page.click('[data-tab=leaks]');
  const n = await page.waitForSelector('[data-testid=not-checked]');
  const text = await n.textContent();
  assert.match(text, /Leak checks did not run: they need goroutine or in-use heap snapshots/);
  assert.match(text, /capture them like this/);
  assert.equal(await page.$('[data-testid=no-leak]'), null);
  assert.match(await page.textContent('[data-testid=checked]'), /not used for leak checks: a cpu profile/);
  assert.deepEqual(errors, []);
});

test('dropped sources tailor the fix to the blocking line, shown beside the line that started the goroutine', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await drop(page, [0, 1, 2, 3].map((k) => svc(`streaming-leak/run-1/goroutine-${k}.debug2.txt`)));
  const card = await page.waitForSelector('[data-testid=finding][data-severity=high]');
  assert.match(await card.textContent(), /main\.\(\*session\)\.watchQuota/);
  assert.equal(await card.$('[data-testid=blocking-line]'), null);
  await drop(page, [join(ROOT, 'corpus/services/streaming-leak/main.go')]);
  await page.waitForSelector('[data-testid=finding] [data-testid=blocking-line]');
  const c = await page.$('[data-testid=finding][data-severity=high]');
  assert.match(await c.$eval('[data-testid=blocking-line]', (e) => e.textContent), /<-ctx\.Done\(\)/);
  assert.match(await c.$eval('[data-testid=fix]', (e) => e.textContent), /waits for a context that is never cancelled/);
  assert.match(await c.$eval('.fix-row', (e) => e.textContent), /created by main\.\(\*server\)\.handle at services\/streaming-leak\/main\.go:\d+.*Fix:/s);
  assert.deepEqual(errors, []);
});

test('Open demo: the leak series, ordered by time, with its source', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await page.click('[data-testid=open-demo]');
  const card = await page.waitForSelector('[data-testid=finding][data-severity=high]');
  assert.match(await card.textContent(), /0 → 167 → 334 → 500/);
  // A .pb.gz does not record who started a goroutine: the entry function is named as such.
  assert.match(await card.$eval('[data-testid=entry-function]', (e) => e.textContent), /entry function main\.searchHandler\.func1/);
  assert.equal(await card.$('[data-testid=created-by]'), null);
  const options = await page.$$eval('[data-testid=snapshot-select] option', (o) => o.map((x) => x.textContent));
  assert.deepEqual(options.map((o) => o.split(' ')[0]), ['leak-goroutine-0.pb.gz', 'leak-goroutine-1.pb.gz', 'leak-goroutine-2.pb.gz', 'leak-goroutine-3.pb.gz']);
  await card.$eval('[data-testid=to-source]', (b) => b.click());
  const row = await page.waitForSelector('[data-testid=listing] tr[data-line="28"]');
  assert.equal(await row.getAttribute('class'), 'hot');
  await shot(page, 'demo-source');
  assert.deepEqual(errors, []);
});
