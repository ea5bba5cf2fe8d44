// Compare and narrow in the page (issue: diff, filters, granularity).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { serve, launch, openPage, drop, shot, topRows, fixture, cliTop, settled } from '../lib.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });


async function setFilter(page, key, value) {
  await page.fill(`[data-filter=${key}]`, value);
  await page.press(`[data-filter=${key}]`, 'Enter');
}

test('filter bar: focus and hide change every view like the CLI, and live in the URL', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  const file = fixture('go/j-cpu-profile/cpu.pb.gz');
  await drop(page, [file]);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  await setFilter(page, 'focus', 'main\\.fib');
  await page.waitForFunction(() => location.search.includes('focus=main'));
  const rows = new Map((await topRows(page)).map((r) => [r[5], r]));
  const cli = cliTop(['--focus', 'main\\.fib', file]);
  for (const r of cli) {
    const p = rows.get(r[5]);
    assert.ok(p, r[5]);
    assert.deepEqual([p[0], p[1], p[3], p[4]], [r[0], r[1], r[3], r[4]], r[5]);
  }
  assert.ok(!rows.has('sort.partition'), 'unfocused functions are gone');
  await setFilter(page, 'hide', '^runtime\\.');
  await page.waitForFunction(() => ![...document.querySelectorAll('[data-testid=top-table] td.name')].some((td) => td.textContent.startsWith('runtime.')));
  // The filters survive a reload (with the file dropped again).
  await page.reload();
  await page.waitForSelector('header.top');
  await drop(page, [file]);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  assert.equal(await page.inputValue('[data-filter=focus]'), 'main\\.fib');
  assert.equal(await page.inputValue('[data-filter=hide]'), '^runtime\\.');
  await page.click('[data-tab=traces]');
  // The traces come from the worker: wait for them.
  await page.waitForSelector('[data-testid=traces] .frames li');
  await settled(page);
  const frames = await page.$$eval('[data-testid=traces] .frames li', (l) => l.map((x) => x.textContent));
  assert.ok(frames.length > 0 && frames.every((f) => !f.startsWith('runtime.')), 'traces are narrowed too');
  await page.click('[data-testid=clear-filters]');
  await page.waitForFunction(() => !location.search.includes('focus='));
  assert.deepEqual(errors, []);
});

test('a bad expression is reported next to the bar and the previous view stays', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  await drop(page, [fixture('go/j-cpu-profile/cpu.pb.gz')]);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  await setFilter(page, 'focus', 'main');
  await page.waitForFunction(() => location.search.includes('focus=main'));
  const before = await topRows(page);
  await setFilter(page, 'ignore', '(');
  await page.waitForSelector('[data-testid=query-error]:not(:empty)');
  assert.match(await page.textContent('[data-testid=query-error]'), /ignore: invalid regular expression "\("/);
  assert.deepEqual(await topRows(page), before);
  await setFilter(page, 'ignore', '');
  await setFilter(page, 'tagfocus', 'phase=(');
  await page.waitForFunction(() => document.querySelector('[data-testid=query-error]').textContent.includes('tagfocus'));
  assert.deepEqual(await topRows(page), before);
  await setFilter(page, 'tagfocus', 'bytes=1zb:');
  await page.waitForFunction(() => document.querySelector('[data-testid=query-error]').textContent.includes('unknown unit'));
  assert.deepEqual(await topRows(page), before);
  assert.deepEqual(errors, []);
});

test('compare with a base: delta columns equal pprof -diff_base, flame colored with a legend', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  const a = (k) => fixture(`go/a2-chanrecv-leak-n500/goroutine-${k}.pb.gz`);
  await drop(page, [a(1), a(3)]);
  await page.waitForSelector('[data-tab=top]');
  await page.click('[data-tab=top]');
  await page.selectOption('[data-testid=base-select]', { label: 'goroutine-1.pb.gz' });
  await page.waitForSelector('th >> text=Δ cum');
  const diff = new Map(cliTop(['--nodefraction', '0', '--diff-base', a(1), a(3)]).map((r) => [r[5], r]));
  const cells = await page.$$eval('[data-testid=top-table] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  let compared = 0;
  for (const c of cells) {
    const name = c[5];
    const want = diff.get(name);
    if (!want) continue;
    // Δ flat and Δ cum equal the flat and cum of pprof's diff.
    assert.equal(c[9].replace(/^\+/, ''), want[0], `${name} Δ flat`);
    assert.equal(c[10].replace(/^\+/, ''), want[3], `${name} Δ cum`);
    compared++;
  }
  assert.ok(compared >= 5, `${compared} rows compared`);
  await page.click('button[data-sort="Δ cum"]');
  const first = (await page.$$eval('[data-testid=top-table] tbody tr', (trs) => trs.map((tr) => tr.querySelectorAll('td')[5].textContent)))[0];
  assert.equal(first, 'runtime.gopark', 'sorted by Δ cum, largest growth first');
  // The CSV export is the table as shown: same order, the base and Δ columns.
  const [d] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-top]')]);
  const csv = readFileSync(await d.path(), 'utf8').trim().split('\n').map((l) => l.split(','));
  assert.deepEqual(csv[0].slice(7), ['base_flat_count', 'base_cum_count', 'delta_flat_count', 'delta_cum_count']);
  assert.equal(csv[1][5], 'runtime.gopark');
  assert.equal(csv.length - 1, cells.length);
  let exported = 0;
  for (const r of csv.slice(1)) {
    const name = r[6] ? `${r[5]} ${r[6]}` : r[5]; // name, inline mark
    const want = diff.get(name);
    if (!want) continue;
    assert.deepEqual([r[9], r[10]], [want[0], want[3]], `${name} Δ in the CSV`);
    exported++;
  }
  assert.equal(exported, compared);
  await shot(page, 'compare-top');
  await page.click('[data-tab=flame]');
  await page.waitForSelector('[data-testid=flame-legend]');
  assert.match(await page.textContent('[data-testid=flame-legend]'), /grew.*shrank.*unchanged/);
  await shot(page, 'compare-flame');
  // A base of another kind is refused with a message.
  await drop(page, [fixture('go/h1-substring-retention/heap-0.pb.gz')]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=snapshot-select] option').length === 3);
  await page.selectOption('[data-testid=snapshot-select]', { index: 1 });
  await page.selectOption('[data-testid=base-select]', { label: 'heap-0.pb.gz' });
  await page.waitForSelector('[data-testid=base-error]');
  assert.match(await page.textContent('[data-testid=base-error]'), /different kind of profile/);
  await page.click('[data-tab=top]');
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  assert.equal(await page.$$eval('th', (t) => t.filter((x) => x.textContent.includes('Δ')).length), 0, 'no deltas against a heap');
  assert.deepEqual(errors, []);
});

test('granularity: lines and files like the CLI; focus and hide from a flame frame', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  const file = fixture('go/j-cpu-profile/cpu.pb.gz');
  await drop(page, [file]);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  await page.selectOption('[data-testid=granularity]', 'lines');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('granularity') === 'lines');
  const rows = new Map((await topRows(page)).map((r) => [r[5], r]));
  for (const r of cliTop(['--granularity', 'lines', file])) {
    assert.ok(rows.has(r[5]), r[5]);
    assert.deepEqual([rows.get(r[5])[0], rows.get(r[5])[3]], [r[0], r[3]], r[5]);
  }
  await page.selectOption('[data-testid=granularity]', 'files');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=top-table] td.name')].some((td) => td.textContent === 'leakdemo/cpu/main.go'));
  await page.selectOption('[data-testid=granularity]', 'functions');
  await page.click('[data-tab=flame]');
  const canvas = await page.waitForSelector('[data-testid=flame-canvas]');
  const box = await canvas.boundingBox();
  await page.mouse.click(box.x + 40, box.y + 18 * 1 + 9);
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-canvas]').dataset.zoom !== '0');
  await page.click('[data-testid=flame-hide-this]');
  await page.waitForFunction(() => location.search.includes('hide='));
  assert.match(await page.inputValue('[data-filter=hide]'), /^\^.*\$$/);
  assert.deepEqual(errors, []);
});
