// The Goroutines and Memory views: search, sort, the similarity toggle,
// series counts and survivors, links, keyboard, axe-core in both themes,
// and the README's screenshots (into e2e/artifacts; `make screenshots`
// copies them to docs/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, openPage, drop, shot, fixture, settled, ROOT } from '../lib.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const cli = (args) => JSON.parse(execFileSync(join(ROOT, 'target/release/leakscope'), args, { encoding: 'utf8' }));

/** The groups drawn: [count, state, function] per group. */
async function groups(page) {
  await settled(page);
  return page.$$eval('[data-testid=goroutine-group]', (g) => g.map((x) => [Number(x.dataset.count), x.dataset.state, x.dataset.function]));
}


test('Goroutines: a debug=2 series, grouped as the CLI groups it, with counts per snapshot and ids kept', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=goroutines', errors);
  const files = [0, 1, 2, 3].map((k) => fixture(`go/a2-chanrecv-leak-n500/goroutine-${k}.debug2.txt`));
  await drop(page, files);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=snapshot-select] option').length === 4);
  await page.waitForSelector('[data-testid=goroutine-group]');
  assert.equal(await page.getAttribute('[data-tab=goroutines]', 'aria-selected'), 'true');
  // The last snapshot is shown: its groups are the CLI's, in its order.
  const want = cli(['goroutines', '--format', 'json', ...files]).snapshots[3].groups;
  // Groups of earlier snapshots that are gone come after, with 0.
  const got = await groups(page);
  assert.deepEqual(got.filter((g) => g[0] > 0), want.map((g) => [g.count, g.state, g.function]));
  assert.ok(got.slice(want.length).every((g) => g[0] === 0));
  const summary = await page.textContent('[data-testid=goroutine-summary]');
  assert.match(summary, /503 goroutines in \d+ groups · goroutine dump \(debug=2\) · snapshot 4 of 4/);
  // The leak: its counts per snapshot, and every id kept from the snapshot before.
  const leak = await page.$('[data-testid=goroutine-group][data-function="main.searchHandler.func1"]');
  assert.equal(await leak.$eval('[data-testid=group-counts]', (e) => e.textContent), '0 → 167 → 334 → 500');
  assert.equal(await leak.$eval('[data-testid=group-kept]', (e) => e.textContent), 'kept from the snapshot before: 0/167, 167/334, 334/500');
  assert.equal(await leak.$eval('svg.spark', (s) => s.getAttribute('aria-label')), 'goroutines per snapshot: 0, 167, 334, 500');
  await shot(page, 'goroutines');
  // Ids: the CLI's list, as ranges, the long list behind a disclosure.
  const ids = want.find((g) => g.function === 'main.searchHandler.func1').ids;
  const ranges = await leak.$eval('[data-testid=group-ids]', (d) => { d.open = true; return d.querySelector(':scope > code').textContent; });
  const expand = ranges.split(', ').flatMap((r) => { const [a, b] = r.split('–').map(Number); return b ? Array.from({ length: b - a + 1 }, (_, i) => a + i) : [a]; });
  assert.deepEqual(expand, ids);
  // The own frame is marked.
  assert.equal(await leak.$eval('.gstack li.own .fn', (e) => e.textContent), 'main.searchHandler.func1');
  // Sort by growth: the leak first; by wait: minutes descending; by state: alphabetical.
  await page.selectOption('[data-testid=goroutine-sort]', 'growth');
  assert.equal((await groups(page))[0][2], 'main.searchHandler.func1');
  await page.selectOption('[data-testid=goroutine-sort]', 'state');
  const states = (await groups(page)).map((g) => g[1]);
  assert.deepEqual(states, [...states].sort());
  // Search: a state, a file, case-insensitive.
  await page.fill('[data-testid=goroutine-search]', 'IO WAIT');
  let g = await groups(page);
  assert.ok(g.length > 0 && g.every((x) => x[1] === 'IO wait'), JSON.stringify(g));
  await page.fill('[data-testid=goroutine-search]', 'chanrecv/main.go');
  g = await groups(page);
  assert.ok(g.length >= 1 && g.some((x) => x[2] === 'main.searchHandler.func1'), JSON.stringify(g));
  await page.fill('[data-testid=goroutine-search]', 'no such thing');
  await page.waitForSelector('[data-testid=goroutines-none]');
  await page.fill('[data-testid=goroutine-search]', '');
  // Another snapshot of the series from the header.
  await page.selectOption('[data-testid=snapshot-select]', '1');
  await page.waitForFunction(() => /snapshot 2 of 4/.test(document.querySelector('[data-testid=goroutine-summary]').textContent));
  const second = cli(['goroutines', '--format', 'json', ...files]).snapshots[1].groups;
  const shown = (await groups(page)).filter((x) => x[0] > 0);
  assert.deepEqual(shown.map((x) => x[0]).reduce((a, b) => a + b, 0), second.reduce((a, b) => a + b.count, 0));
  assert.deepEqual(errors, []);
});

test('Goroutines: merging stacks that differ only in line numbers, keyboard, and the links', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=goroutines', errors);
  // Two spinning goroutines parked at main.go:32 and :33 of one loop.
  const file = fixture('go/k-block-mutex-contention/goroutine-0.debug2.txt');
  await drop(page, [file]);
  await page.waitForSelector('[data-testid=goroutine-group]');
  const exact = await groups(page);
  const byCli = (sim) => cli(['goroutines', '--format', 'json', '--similarity', sim, file]).snapshots[0].groups.map((g) => [g.count, g.state, g.function]);
  assert.deepEqual(exact, byCli('exact'));
  await page.check('[data-testid=goroutine-merge-lines]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=goroutine-group]').length < n, exact.length);
  const merged = await groups(page);
  assert.deepEqual(merged, byCli('lines'));
  const total = (g) => g.reduce((a, b) => a + b[0], 0);
  assert.equal(total(merged), total(exact));
  const spin = await page.$('[data-testid=goroutine-group][data-function="main.spin"]');
  assert.match(await spin.$eval('.gstack li.own', (e) => e.textContent), /main\.go:3[23] \(also 3[23]\)/);
  await page.uncheck('[data-testid=goroutine-merge-lines]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=goroutine-group]').length === n, exact.length);
  // Keyboard: / focuses the search, ↓ walks the groups, Enter opens one.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'goroutine-search');
  await page.keyboard.press('Tab');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const focused = await page.evaluate(() => document.activeElement.closest('[data-testid=goroutine-group]')?.dataset.function);
  assert.equal(focused, exact[1][2]);
  const fourth = await page.$$('[data-testid=goroutine-group] > details');
  assert.equal(await fourth[3].evaluate((d) => d.open), false);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  assert.equal(await fourth[3].evaluate((d) => d.open), true);
  // Links: Source and Flame for the group's own frame, and Leaks.
  const handler = await page.$('[data-testid=goroutine-group][data-function="main.reader"]');
  await handler.$eval('details', (d) => { d.open = true; });
  await handler.$eval('[data-testid=group-to-source]', (b) => b.click());
  await page.waitForSelector('section.source-view');
  assert.equal(await page.$eval('[data-testid=source-fn]', (s) => s.value), 'main.reader');
  await page.click('[data-tab=goroutines]');
  const again = await page.waitForSelector('[data-testid=goroutine-group][data-function="main.reader"]');
  await again.$eval('details', (d) => { d.open = true; });
  await again.$eval('[data-testid=group-to-flame]', (b) => b.click());
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-canvas]')?.dataset.zoom !== '0');
  await page.click('[data-tab=goroutines]');
  const third = await page.waitForSelector('[data-testid=goroutine-group] >> nth=0');
  await third.$eval('details', (d) => { d.open = true; });
  await third.$eval('[data-testid=group-to-leaks]', (b) => b.click());
  await page.waitForSelector('section.leaks-view');
  assert.deepEqual(errors, []);
});

test('Goroutines: a .pb.gz says what it lacks; states come from the stacks', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=goroutines', errors);
  const file = fixture('external/datadog-go-profiler-notes/1.net.http.pprof.goroutine.debug0.pb.gz');
  await drop(page, [file]);
  await page.waitForSelector('[data-testid=goroutines-hint]');
  const want = cli(['goroutines', '--format', 'json', file]).snapshots[0].groups;
  assert.deepEqual(await groups(page), want.map((g) => [g.count, g.state, g.function]));
  assert.ok((await page.$$('.badge.state.inferred')).length > 0);
  assert.deepEqual(errors, []);
});

test('Memory: the parts of Sys per snapshot with times and goroutine counts, and the checklist', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=memory', errors);
  const dir = 'go/m-memory-triage/stacks/run1';
  const files = [];
  for (const k of [0, 1, 2, 3]) files.push(fixture(`${dir}/heap-${k}.debug1.txt`), fixture(`${dir}/heap-${k}.pb.gz`), fixture(`${dir}/goroutine-${k}.debug1.txt`));
  await drop(page, files);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=snapshot-select] option').length === 12);
  await page.waitForSelector('[data-testid=memory-chart]');
  await settled(page);
  assert.equal(await page.$$eval('[data-testid=memory-bar]', (b) => b.length), 4);
  // The chart's axes: bytes up the side, time along the bottom, goroutines on the right.
  const ticks = await page.$$eval('[data-testid=memory-chart] text.tick', (t) => t.map((x) => x.textContent));
  assert.ok(ticks.includes('+0 s') && ticks.some((t) => /^\+\d+ s$/.test(t) && t !== '+0 s'), ticks.join('|'));
  assert.ok(ticks.some((t) => /MB$/.test(t)), ticks.join('|'));
  assert.ok(ticks.includes('3003'), 'the goroutine axis tops at the largest count');
  // Every number in the table is the trailer's (read here from the files).
  const rows = await page.$$eval('[data-testid=memory-row]', (r) => r.map((x) => ({
    sys: x.querySelector('[data-part=sys]').textContent,
    stack: x.querySelector('[data-part=p-stack]').textContent,
    rss: x.querySelector('[data-part=maxrss]').textContent,
    g: x.querySelector('[data-part=goroutines]').textContent,
  })));
  // pprof's measurement labels: 1024-based units, %.2f without a trailing .00.
  const fmt = (v) => {
    for (const [u, sz] of [['GB', 2 ** 30], ['MB', 2 ** 20], ['kB', 2 ** 10]]) {
      if (v >= sz) { const t = (v / sz).toFixed(2); return (t.endsWith('.00') ? t.slice(0, -3) : t) + u; }
    }
    return `${v}B`;
  };
  for (const k of [0, 1, 2, 3]) {
    const text = readFileSync(fixture(`${dir}/heap-${k}.debug1.txt`), 'utf8');
    const field = (n) => Number(text.match(new RegExp(`^# ${n} = (\\d+)`, 'm'))[1]);
    const stackSys = Number(text.match(/^# Stack = \d+ \/ (\d+)/m)[1]);
    const goroutines = readFileSync(fixture(`${dir}/goroutine-${k}.debug1.txt`), 'utf8').split('\n')[0].split(' ').pop();
    assert.deepEqual(rows[k], { sys: fmt(field('Sys')), stack: fmt(stackSys), rss: fmt(field('MaxRSS')), g: goroutines });
  }
  const checks = await page.$$eval('[data-testid=memory-check]', (c) => c.map((x) => [x.dataset.kind, x.dataset.applies]));
  assert.deepEqual(checks, [['heap', 'false'], ['goroutine-stacks', 'true'], ['runtime-retained', 'false'], ['outside-runtime', 'false']]);
  await shot(page, 'memory');
  // The stacks check leads to the Goroutines view, sorted by growth.
  await page.click('[data-testid=memory-to-goroutines]');
  await page.waitForSelector('[data-testid=goroutine-group]');
  assert.equal(await page.$eval('[data-testid=goroutine-sort]', (s) => s.value), 'growth');
  assert.equal((await groups(page))[0][2], 'main.park');
  assert.deepEqual(errors, []);
});

test('Memory: only .pb.gz heap profiles say what they tell and how to capture the trailer', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=memory', errors);
  const dir = 'go/m-memory-triage/heap/run1';
  const pbs = [0, 1, 2, 3].map((k) => fixture(`${dir}/heap-${k}.pb.gz`));
  await drop(page, pbs);
  const hint = await page.waitForSelector('[data-testid=memory-capture]');
  assert.match(await hint.textContent(), /heap\?debug=1/);
  // The note is the CLI's, word for word.
  const note = await page.textContent('[data-testid=memory-note]');
  const names = [0, 1, 2, 3].map((k) => `heap-${k}.pb.gz`);
  const text = execFileSync(join(ROOT, 'target/release/leakscope'), ['memstats', ...names], { encoding: 'utf8', cwd: fixture(dir) });
  assert.ok(text.includes(note), `${note}\n---\n${text}`);
  assert.match(note, /carries no runtime\.MemStats.*In use: .*allocated since start: .*Allocation rate since the previous snapshot: .*\/s\./s);
  assert.equal(await page.$('[data-testid=memory-chart]'), null);
  // With the text forms of the same moments: the heap grows, and its
  // check links to Top with inuse_space.
  await drop(page, [0, 1, 2, 3].map((k) => fixture(`${dir}/heap-${k}.debug1.txt`)));
  await page.waitForSelector('[data-testid=memory-check][data-applies=true]');
  await page.click('[data-testid=memory-to-top]');
  await page.waitForSelector('section.top-view');
  assert.equal(await page.$eval('[data-testid=sample-type]', (s) => s.value), 'inuse_space');
  assert.deepEqual(errors, []);
});

test('Goroutines and Memory: axe-core clean in light and dark, dark screenshots', async () => {
  const axe = readFileSync(join(ROOT, 'e2e/node_modules/axe-core/axe.min.js'), 'utf8');
  for (const scheme of ['light', 'dark']) {
    const context = await browser.newContext({ bypassCSP: true, colorScheme: scheme, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url + '?view=goroutines');
    await page.waitForSelector('body[data-worker-ready]', { state: 'attached' });
    await page.addScriptTag({ content: axe });
    const check = async (what) => {
      const r = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
      const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`), [], `${scheme} ${what}`);
    };
    // One program's goroutine dumps and heap profiles of the same moments.
    const dir = 'go/a3-chanrecv-leak-longwait';
    const files = [0, 1, 2, 3].flatMap((k) => [fixture(`${dir}/goroutine-${k}.debug2.txt`), fixture(`${dir}/heap-${k}.debug1.txt`)]);
    await drop(page, files);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=snapshot-select] option').length === 8);
    await page.click('[data-tab=goroutines]');
    await page.waitForSelector('[data-testid=goroutine-group]');
    await settled(page);
    await page.$$eval('[data-testid=goroutine-group] details', (d) => d.forEach((x) => { x.open = true; }));
    await check('goroutines');
    if (scheme === 'dark') await shot(page, 'dark-goroutines');
    await page.click('[data-tab=memory]');
    await page.waitForSelector('[data-testid=memory-chart]');
    await settled(page);
    await page.$$eval('section.memory-view details', (d) => d.forEach((x) => { x.open = true; }));
    await check('memory');
    // 16 leaked goroutines are no memory problem: no check applies, and the page says so.
    const applies = await page.$$eval('[data-testid=memory-check][data-applies=true]', (c) => c.map((x) => x.dataset.kind));
    assert.deepEqual(applies, []);
    assert.match(await page.textContent('[data-testid=memory-note]'), /No check points anywhere/);
    const g = await page.$$eval('[data-testid=memory-row] [data-part=goroutines]', (c) => c.map((x) => x.textContent));
    assert.deepEqual(g, ['7', '11', '15', '19']);
    if (scheme === 'dark') await shot(page, 'dark-memory');
    await context.close();
  }
});

test('Goroutines and Memory fit a phone-width window', async () => {
  const errors = [];
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + '?view=goroutines');
  await page.waitForSelector('body[data-worker-ready]', { state: 'attached' });
  const dir = 'go/m-memory-triage/stacks/run3';
  await drop(page, [0, 1, 2, 3].flatMap((k) => [fixture(`${dir}/heap-${k}.debug1.txt`), fixture(`${dir}/goroutine-${k}.debug1.txt`)]));
  await page.waitForSelector('[data-testid=goroutine-group]');
  for (const tab of ['goroutines', 'memory']) {
    await page.click(`[data-tab=${tab}]`);
    await page.waitForSelector(`section.${tab}-view`);
    await settled(page);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 0, `${tab}: page is ${over}px wider than the window`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});
