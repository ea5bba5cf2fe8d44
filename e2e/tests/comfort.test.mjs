// Everyday comfort (issue: paste, keyboard, dark mode, exports,
// accessibility, offline, responsive).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { serve, launch, openPage, drop, shot, topRows, fixture, ROOT, settled } from '../lib.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

async function paste(page, text) {
  await page.evaluate((t) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', t);
    window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, text);
}

test('paste a debug=2 dump or a base64 profile', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  await paste(page, readFileSync(fixture('go/a1-chanrecv-leak-n3/goroutine-3.debug2.txt'), 'utf8'));
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  assert.match(await page.textContent('[data-testid=snapshot-select]'), /pasted text/);
  assert.match(await page.textContent('[data-testid=profile-info]'), /goroutine dump \(debug=2\)/);
  // A base64 profile, as copied from a CI log, replaces the pasted text.
  await paste(page, readFileSync(fixture('go/j-cpu-profile/cpu.pb.gz')).toString('base64').replace(/(.{76})/g, '$1\n'));
  await page.waitForFunction(() => document.querySelector('[data-testid=profile-info]')?.textContent.includes('cpu'));
  // Pasting into the filter box stays a normal paste.
  await page.focus('[data-testid=filter]');
  await paste(page, 'main');
  assert.equal(await page.$$eval('[data-testid=snapshot-select] option', (o) => o.length), 1);
  assert.deepEqual(errors, []);
});

test('keyboard only: help, view keys, rows, search, flame frames', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await drop(page, [fixture('go/a2-chanrecv-leak-n500/goroutine-3.pb.gz'), fixture('go/a2-chanrecv-leak-n500/main.go')]);
  await page.waitForSelector('[data-tab=top]');
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=help]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=help]', { state: 'detached' });
  const views = ['leaks', 'top', 'source', 'traces', 'flame'];
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press(String(i + 1));
    await page.waitForSelector(`section.${views[i]}-view`);
  }
  await page.keyboard.press('2');
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  const names = (await topRows(page)).map((r) => r[5]);
  const target = names.indexOf('main.searchHandler.func1');
  for (let i = 0; i <= target; i++) await page.keyboard.press('ArrowDown');
  assert.match(await page.textContent('tr.selected'), /main\.searchHandler\.func1/);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=listing] tr[data-line="28"].hot');
  await page.keyboard.press('2');
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'filter');
  await page.keyboard.type('main');
  await page.keyboard.press('Escape');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('5');
  await page.waitForSelector('[data-testid=flame-canvas]');
  // Tab to the canvas, then walk frames with the arrows.
  for (let i = 0; i < 40; i++) {
    if (await page.evaluate(() => document.activeElement?.dataset.testid === 'flame-canvas')) break;
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'flame-canvas');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-focus]').textContent.includes('main.searchHandler.func1'));
  assert.match(await page.textContent('[data-testid=flame-focus]'), /cum 500 \(99\.40%\)/);
  await page.keyboard.press(' ');
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-canvas]').dataset.zoom !== '0');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-canvas]').dataset.zoom === '0');
  await page.keyboard.press('Enter');
  await page.waitForSelector('section.source-view');
  assert.deepEqual(errors, []);
});

test('dark mode follows the system, the toggle is remembered', async () => {
  const errors = [];
  const context = await browser.newContext({ colorScheme: 'dark', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + '?view=flame');
  await page.waitForSelector('header.top');
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await bg(), 'rgb(22, 23, 27)');
  await drop(page, [fixture('go/j-cpu-profile/cpu.pb.gz')]);
  await page.waitForSelector('[data-testid=flame-canvas][data-frames]');
  await settled(page);
  await shot(page, 'dark-flame');
  await page.click('[data-testid=theme]'); // auto -> dark (already dark)
  await page.click('[data-testid=theme]'); // dark -> light
  assert.equal(await bg(), 'rgb(255, 255, 255)');
  assert.equal(await page.evaluate(() => localStorage.getItem('leakscope-theme')), 'light');
  await page.reload();
  await page.waitForSelector('header.top');
  assert.equal(await bg(), 'rgb(255, 255, 255)', 'the choice survives a reload');
  await drop(page, [fixture('go/j-cpu-profile/cpu.pb.gz')]);
  await page.waitForSelector('[data-testid=flame-canvas][data-frames]');
  await settled(page);
  await shot(page, 'light-flame');
  assert.deepEqual(errors, []);
  await context.close();
});

async function download(page, selector) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const path = await d.path();
  return { name: d.suggestedFilename(), data: readFileSync(path) };
}

test('exports: Top and Traces CSV, leak report Markdown, flame SVG and PNG', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  const evil = '<img src=x onerror=alert(1)>';
  const dump = [1, 2].map((id) => `goroutine ${id} [chan send (nil chan)]:\nmain.${evil}()\n\t/src/a.go:12 +0x1\ncreated by main.start\n\tmain.go:3 +0x2\n`).join('\n');
  await drop(page, [{ name: 'evil.txt', data: [...Buffer.from(dump)] }]);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  const csv = await download(page, '[data-testid=export-top]');
  assert.equal(csv.name, 'evil-top.csv');
  const lines = csv.data.toString().trim().split('\n');
  assert.equal(lines[0], 'flat_count,flat%,sum%,cum_count,cum%,name,inline');
  assert.equal(lines.length - 1, (await topRows(page)).length);
  assert.ok(lines.some((l) => l.startsWith('2,100%,100%,2,100%,main.<img src=x onerror=alert(1)>')), lines.join('\n'));
  await page.click('[data-tab=traces]');
  const tr = await download(page, '[data-testid=export-traces]');
  assert.match(tr.data.toString(), /^value_count,labels,stack\n2,,main\.<img/);
  await page.click('[data-tab=leaks]');
  const md = await download(page, '[data-testid=export-markdown]');
  const text = md.data.toString();
  assert.match(text, /^## leakscope leak report/);
  assert.match(text, /\| high \| nil-chan \| main\.&lt;img src=x onerror=alert\(1\)&gt; \(\/src\/a\.go:12\)/);
  await page.click('[data-tab=flame]');
  await page.waitForSelector('[data-testid=flame-canvas]');
  const svg = (await download(page, '[data-testid=export-svg]')).data.toString();
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok((svg.match(/<rect /g) || []).length >= 2);
  assert.ok(svg.includes('main.&lt;img src=x onerror=alert(1)&gt;') && !svg.includes('<img'));
  const png = (await download(page, '[data-testid=export-png]')).data;
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.deepEqual(errors, []);
});

test('the Traces export is every matching stack, streamed from the worker, equal to the CLI', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=traces', errors);
  const file = fixture('go/h1-substring-retention/heap-3.pb.gz');
  await drop(page, [file]);
  await page.waitForSelector('[data-testid=traces] li');
  const shown = await page.$$eval('[data-testid=traces] > li', (l) => l.length);
  const cli = (args) => execFileSync(join(ROOT, 'target/release/leakscope'), ['traces', '--format', 'csv', ...args, file]);
  // 380 KB of CSV: the worker sends it in more than one piece.
  const want = cli([]);
  assert.ok(want.length > 300_000, `${want.length} bytes`);
  const all = await download(page, '[data-testid=export-traces]');
  assert.equal(all.name, 'heap-3-traces.csv');
  assert.ok(all.data.equals(want), `export ${all.data.length} bytes, CLI ${want.length}`);
  // The view keeps its page of stacks: the export did not go through it.
  assert.equal(await page.$$eval('[data-testid=traces] > li', (l) => l.length), shown);
  assert.equal(await page.textContent('[data-testid=export-traces]'), 'Export CSV');
  // The view's count follows the filter before each export.
  const rows = (csv) => csv.toString().split('\n').filter(Boolean).length - 1;
  const counted = (n) => page.waitForFunction((n) => document.querySelector('.traces-view .toolbar .muted')?.textContent === `${n} stacks`, n);
  await counted(rows(want));
  await page.fill('[data-testid=filter]', 'strings\\.');
  await counted(rows(cli(['--match', 'strings\\.'])));
  const some = await download(page, '[data-testid=export-traces]');
  assert.ok(some.data.equals(cli(['--match', 'strings\\.'])));
  assert.ok(some.data.length < all.data.length);
  // Nothing matching still saves the header: an empty table, not an error.
  await page.fill('[data-testid=filter]', 'no_such_frame_anywhere');
  await counted(0);
  const none = await download(page, '[data-testid=export-traces]');
  assert.ok(none.data.equals(cli(['--match', 'no_such_frame_anywhere'])));
  assert.equal(none.data.toString().split('\n').filter(Boolean).length, 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('axe-core finds no serious or critical violation on any view', async () => {
  const axe = readFileSync(join(ROOT, 'e2e/node_modules/axe-core/axe.min.js'), 'utf8');
  for (const scheme of ['light', 'dark']) {
    // The page's CSP forbids injected scripts: bypass it for the checker only.
    const context = await browser.newContext({ bypassCSP: true, colorScheme: scheme, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('header.top');
    await page.addScriptTag({ content: axe });
    const check = async (what) => {
      const r = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`), [], `${scheme} ${what}`);
    };
    await check('start page');
    await drop(page, [0, 1, 2, 3].map((k) => fixture(`go/a2-chanrecv-leak-n500/goroutine-${k}.pb.gz`)).concat([fixture('go/a2-chanrecv-leak-n500/main.go')]));
    await page.waitForSelector('[data-testid=finding]');
    for (const tab of ['leaks', 'top', 'source', 'traces', 'flame']) {
      await page.click(`[data-tab=${tab}]`);
      await page.waitForSelector(`section.${tab}-view`);
      await check(tab);
    }
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid=help]');
    await check('help');
    await context.close();
  }
});

test('offline: the page reloads from its service worker; a new version is offered', async () => {
  const errors = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForSelector('header.top');
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector('[data-testid=open-demo]');
  await page.click('[data-testid=open-demo]');
  await page.waitForSelector('[data-testid=finding]', { timeout: 20000 });
  await drop(page, [fixture('go/a1-chanrecv-leak-n3/goroutine-3.pb.gz')]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=snapshot-select] option').length === 5);
  await context.setOffline(false);
  // A new deployment: the page offers to reload.
  server.bumpSw('-next');
  await page.evaluate(async () => { const r = await navigator.serviceWorker.getRegistration(); await r.update(); });
  const banner = await page.waitForSelector('[data-testid=update]');
  assert.match(await banner.textContent(), /A new version of leakscope is available/);
  await Promise.all([page.waitForEvent('load'), banner.$eval('button', (b) => b.click())]);
  await page.waitForSelector('header.top');
  server.bumpSw('');
  assert.deepEqual(errors, []);
  await context.close();
});

test('responsive: nothing overflows a narrow window', async () => {
  for (const [w, h] of [[1280, 720], [390, 800]]) {
    const errors = [];
    const context = await browser.newContext({ viewport: { width: w, height: h } });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('header.top');
    await drop(page, [fixture('go/j-cpu-profile/cpu.pb.gz'), fixture('go/j-cpu-profile/main.go')]);
    for (const tab of ['leaks', 'top', 'source', 'traces', 'flame']) {
      await page.click(`[data-tab=${tab}]`);
      await page.waitForSelector(`section.${tab}-view`);
      await settled(page);
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(over <= 0, `${w}px ${tab}: page is ${over}px wider than the window`);
    }
    const canvasWidth = await page.$eval('[data-testid=flame-canvas]', (c) => c.getBoundingClientRect().width);
    assert.ok(canvasWidth <= w, `flame ${canvasWidth} fits ${w}`);
    if (w < 500) await page.screenshot({ path: join(ROOT, 'e2e/artifacts/narrow-flame.png') });
    assert.deepEqual(errors, []);
    await context.close();
  }
});
