// `leakscope web` (issue 21): the page built into the binary, served on
// 127.0.0.1 with the files already open, fetched under the URL's token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, topRows, fixture, cliTop, web, snapshotNames, settled, shot, ROOT } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('leakscope web opens its files in the page, from its own origin only', async () => {
  const files = [0, 1, 2, 3].map((k) => fixture(`go/a2-chanrecv-leak-n500/goroutine-${k}.pb.gz`));
  const server = await web([...files, fixture('go/a2-chanrecv-leak-n500/main.go')]);
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/#files=[0-9a-f]{32}$/);
    const errors = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const requests = [];
    context.on('request', (r) => requests.push(r.url()));
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('body[data-worker-ready]', { state: 'attached' });
    // The series opens by itself: four snapshots, the leak found.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=snapshot-select] option').length === 4);
    assert.deepEqual((await snapshotNames(page)).map((n) => n.split(' ')[0]), files.map((f) => f.split('/').pop()));
    await page.waitForSelector('[data-testid=finding]');
    assert.match(await page.textContent('[data-testid=finding]'), /main\.searchHandler\.func1/);
    await shot(page, 'web-leaks');
    // The numbers are the CLI's for the snapshot shown (the last).
    await page.click('[data-tab=top]');
    const rows = new Map((await topRows(page)).map((r) => [r[5], r]));
    // The page drops no node: pprof with -nodefraction=0, row for row.
    const cli = cliTop(['--nodefraction', '0', files[3]]);
    assert.ok(cli.length > 20);
    assert.equal(rows.size, cli.length);
    for (const r of cli) assert.deepEqual(rows.get(r[5]), r, r[5]);
    // The source came too: Source lists the blocking line.
    await page.click('[data-tab=source]');
    await page.waitForSelector('[data-testid=listing] tr[data-line="28"]');
    // A permalink from here points at the published page, not at 127.0.0.1.
    await page.click('[data-testid=share]');
    await page.waitForSelector('[data-testid=share-url]');
    const link = await page.inputValue('[data-testid=share-url]');
    const site = readFileSync(join(ROOT, 'site-url'), 'utf8').trim();
    assert.ok(link.startsWith(site + '#s='), link.slice(0, 80));
    // Every request went to the page's own origin; no service worker.
    assert.ok(requests.length > 5);
    assert.deepEqual(requests.filter((u) => !u.startsWith(server.origin + '/')), []);
    assert.ok(requests.some((u) => u.includes('/files/') && u.endsWith('/index.json')));
    assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0);
    // A reload fetches the files again (the token is in the fragment).
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=snapshot-select] option').length === 4);
    assert.deepEqual(errors, []);
    await context.close();

    // Without the token, or with another, the files stay closed.
    const other = await openPage(browser, server.url.replace(/#files=.*/, '#files=' + '0'.repeat(32)), errors);
    await other.waitForSelector('[data-testid=error-banner]');
    assert.match(await other.textContent('[data-testid=error-banner]'), /leakscope web: the files are gone \(HTTP 404\)/);
    assert.equal(await other.$$eval('[data-testid=snapshot-select] option', (o) => o.length), 0);
    const status = await other.evaluate(async (t) => (await fetch(`files/${t}/0`)).status, '0'.repeat(32));
    assert.equal(status, 404);
    await other.close();
  } finally {
    server.close();
  }
});
