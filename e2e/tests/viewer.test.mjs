// The viewer in a real browser (issue: the viewer). Each test opens the
// built dist/ and drops real fixture files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { serve, launch, openPage, drop, shot, topRows, fixture, cliTop, ROOT, settled } from '../lib.mjs';

let server, browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const CLI = join(ROOT, 'target/release/leakscope');


test('Top table equals the CLI, every tab renders, screenshots kept', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  await shot(page, '0-start');
  const file = fixture('go/a1-chanrecv-leak-n3/goroutine-3.pb.gz');
  await drop(page, [file]);
  await page.click('[data-tab=top]');
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  const rows = await topRows(page);
  const cli = cliTop([file]);
  // No node is dropped in this profile: every CLI row, in order, sum% included.
  assert.deepEqual(rows.map((r) => [...r.slice(0, 5), r[5]]), cli.map((r) => r));
  for (const tab of ['leaks', 'top', 'source', 'traces', 'flame']) {
    await page.click(`[data-tab=${tab}]`);
    await page.waitForSelector(`section.${tab}-view`);
    await shot(page, `view-${tab}`);
  }
  assert.deepEqual(errors, []);
});

test('Top on a CPU profile with inlined frames matches the CLI rows', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  const file = fixture('go/j-cpu-profile/cpu.pb.gz');
  await drop(page, [file]);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  const rows = new Map((await topRows(page)).map((r) => [r[5], r]));
  const cli = cliTop([file]);
  assert.ok(cli.length > 20);
  for (const r of cli) {
    const p = rows.get(r[5]);
    assert.ok(p, `row ${r[5]} missing on the page`);
    // sum% depends on which rows are shown (the CLI drops small nodes).
    assert.deepEqual([p[0], p[1], p[3], p[4]], [r[0], r[1], r[3], r[4]], r[5]);
  }
  assert.ok(rows.has('main.rank (inline)'), 'inline mark shown');
  // Sorting by name puts rows in name order.
  await page.click('button[data-sort=name]');
  const names = (await topRows(page)).map((r) => r[5]);
  assert.deepEqual(names, [...names].sort().reverse().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  // The regex filter narrows the rows, and a bad regex says why.
  await page.fill('[data-testid=filter]', '^main\\.');
  const filtered = (await topRows(page)).map((r) => r[5]);
  assert.ok(filtered.length > 3 && filtered.every((n) => n.startsWith('main.')), filtered.join());
  // Go's syntax, as in the CLI (not the browser's): flags and POSIX classes.
  await page.fill('[data-testid=filter]', '(?i)^MAIN\\.');
  assert.deepEqual((await topRows(page)).map((r) => r[5]), filtered);
  await page.fill('[data-testid=filter]', '^[a-zA-Z]+\\.');
  const ascii = (await topRows(page)).map((r) => r[5]);
  await page.fill('[data-testid=filter]', '^[[:alpha:]]+\\.');
  assert.deepEqual((await topRows(page)).map((r) => r[5]), ascii);
  assert.ok(ascii.length > filtered.length, ascii.join());
  await page.fill('[data-testid=filter]', '(');
  await page.waitForSelector('.field-error:not(:empty)');
  assert.deepEqual(errors, []);
});

test('sample type selector switches heap views', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  await drop(page, [fixture('go/h1-substring-retention/heap-3.pb.gz')]);
  await page.waitForSelector('[data-testid=sample-type]');
  assert.equal(await page.$eval('[data-testid=sample-type]', (s) => s.value), 'inuse_space');
  await page.selectOption('[data-testid=sample-type]', 'alloc_space');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('sample_index') === 'alloc_space');
  const rows = await topRows(page);
  const cli = execFileSync(CLI, ['top', '--sample-index', 'alloc_space', fixture('go/h1-substring-retention/heap-3.pb.gz')], { encoding: 'utf8' });
  const lines = cli.split('\n');
  const first = lines[lines.findIndex((l) => l.trim().startsWith('flat  flat%')) + 1];
  assert.ok(first.trim().startsWith(rows[0][0]), `${first} vs ${rows[0]}`);
  assert.deepEqual(errors, []);
});

test('flame graph: zoom, breadcrumb, Escape, search share, bottom-up', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=flame', errors);
  await drop(page, [fixture('go/j-cpu-profile/cpu.pb.gz')]);
  const canvas = await page.waitForSelector('[data-testid=flame-canvas]');
  const box = await canvas.boundingBox();
  assert.ok(box.height > 100, 'a tall icicle');
  // Hover shows a tooltip with name and values.
  await page.mouse.move(box.x + 40, box.y + 18 * 1 + 9);
  const tip = await page.waitForSelector('[data-testid=flame-tooltip]');
  assert.match(await tip.textContent(), /cum .*%/);
  // Click a frame on the second row: zoom in.
  await page.mouse.click(box.x + 40, box.y + 18 * 1 + 9);
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-canvas]').dataset.zoom !== '0');
  assert.equal(await page.$$eval('[data-testid=breadcrumb] button.crumb', (b) => b.length), 2);
  await shot(page, 'flame-zoomed');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-canvas]').dataset.zoom === '0');
  // Search: the share of frames matching main.fib equals its cum% in Top.
  await page.fill('[data-testid=flame-search]', '^main\\.fib$');
  // The worker answers the search: wait for it.
  await page.waitForFunction(() => /frames match/.test(document.querySelector('[data-testid=flame-share]')?.textContent || ''));
  const share = await page.textContent('[data-testid=flame-share]');
  const fib = execFileSync(CLI, ['top', fixture('go/j-cpu-profile/cpu.pb.gz')], { encoding: 'utf8' }).split('\n').find((l) => l.endsWith(' main.fib'));
  const cumPct = fib.trim().split(/\s+/)[4];
  assert.ok(share.includes(cumPct), `${share} should include ${cumPct}`);
  await shot(page, 'flame-search');
  // Bottom-up: the first row below the root holds the leaf functions
  // (those with flat time), not the callers at the top of the stacks.
  await page.fill('[data-testid=flame-search]', '');
  const firstRow = async () => {
    await page.mouse.move(box.x + 20, box.y - 20); // off the canvas, then back
    await page.waitForSelector('[data-testid=flame-tooltip]', { state: 'detached' });
    await page.mouse.move(box.x + 20, box.y + 18 + 9);
    return (await (await page.waitForSelector('[data-testid=flame-tooltip] .name')).textContent()).trim();
  };
  assert.equal(await page.getAttribute('[data-testid=flame-canvas]', 'data-bottom-up'), 'false');
  const topDown = await firstRow();
  await page.check('[data-testid=bottom-up]');
  await page.waitForSelector('[data-testid=flame-canvas][data-bottom-up=true]');
  const bottomUp = await firstRow();
  assert.notEqual(bottomUp, topDown, 'the tree changed');
  const flat = new Map(execFileSync(CLI, ['top', '--nodefraction', '0', fixture('go/j-cpu-profile/cpu.pb.gz')], { encoding: 'utf8' })
    .split('\n').filter((l) => /^\s*[0-9.]+\w*\s+[0-9.]+%/.test(l)).map((l) => { const f = l.trim().split(/\s+/); return [f.slice(5).join(' '), f[0]]; }));
  assert.ok(flat.has(bottomUp) && !/^0(s|ms)?$/.test(flat.get(bottomUp)), `${bottomUp} is a leaf: flat ${flat.get(bottomUp)}`);
  assert.ok(!flat.has(topDown) || /^0(s|ms)?$/.test(flat.get(topDown)), `${topDown} is a caller, not a leaf`);
  assert.deepEqual(errors, []);
});

test('dropping main.go annotates the leaking line in Source', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=source', errors);
  await drop(page, [fixture('go/a2-chanrecv-leak-n500/goroutine-3.pb.gz')]);
  await page.waitForSelector('[data-testid=source-hint]');
  await drop(page, [fixture('go/a2-chanrecv-leak-n500/main.go')]);
  await page.selectOption('[data-testid=source-fn]', 'main.searchHandler.func1');
  const row = await page.waitForSelector('[data-testid=listing] tr[data-line="28"]');
  assert.equal(await row.getAttribute('class'), 'hot');
  const cells = await row.$$eval('td', (t) => t.map((x) => x.textContent.trim()));
  assert.deepEqual(cells.slice(0, 3), ['.', '500', '28']);
  assert.match(cells[3], /res := <-results/);
  await shot(page, 'source-annotated');
  assert.deepEqual(errors, []);
});

test('a corrupt file shows an error naming it; the open file stays usable', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  await drop(page, [fixture('go/a1-chanrecv-leak-n3/goroutine-3.pb.gz')]);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  const good = await page.$$eval('[data-testid=top-table] tbody tr', (r) => r.length);
  const bytes = [...(await import('node:fs')).readFileSync(fixture('go/a1-chanrecv-leak-n3/goroutine-2.pb.gz'))];
  await drop(page, [{ name: 'broken.pb.gz', data: bytes.slice(0, 300) }, { name: 'random.bin', data: [1, 2, 3, 250, 7] }]);
  const banner = await page.waitForSelector('[data-testid=error-banner]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=error-banner] li').length === 2);
  const text = await banner.textContent();
  assert.match(text, /broken\.pb\.gz: gzip stream is truncated/);
  assert.match(text, /random\.bin: not a profile I can read/);
  assert.equal(await page.$$eval('[data-testid=top-table] tbody tr', (r) => r.length), good);
  await shot(page, 'error-banner');
  assert.deepEqual(errors, []);
});

test('the view lives in the URL: reload and back', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=traces', errors);
  await drop(page, [fixture('go/a1-chanrecv-leak-n3/goroutine-3.pb.gz')]);
  await page.waitForSelector('[data-testid=traces] li');
  assert.equal(await page.getAttribute('[data-tab=traces]', 'aria-selected'), 'true');
  await page.click('[data-tab=flame]');
  await page.waitForFunction(() => location.search.includes('view=flame'));
  await page.goBack();
  await page.waitForFunction(() => location.search.includes('view=traces'));
  await page.waitForSelector('section.traces-view');
  await page.reload();
  await page.waitForSelector('header.top');
  await drop(page, [fixture('go/a1-chanrecv-leak-n3/goroutine-3.pb.gz')]);
  await page.waitForSelector('section.traces-view');
  assert.deepEqual(errors, []);
});

test('traces: the largest 200 first, then all of them on request, as the CLI counts them', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=traces', errors);
  const file = fixture('go/j-cpu-profile/cpu.pb.gz');
  await drop(page, [file]);
  await page.waitForSelector('[data-testid=traces] > li');
  await settled(page);
  // pprof's -traces prints a rule before each stack and one at the end.
  const cli = execFileSync(join(ROOT, 'target/release/leakscope'), ['traces', file], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('-----------+')).length - 1;
  assert.ok(cli > 200, String(cli));
  assert.equal(await page.locator('[data-testid=traces] > li').count(), 200);
  assert.equal(await page.textContent('[data-testid=show-all-traces]'), `Show all ${cli} stacks`);
  await page.click('[data-testid=show-all-traces]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=traces] > li').length === n, cli);
  assert.deepEqual(errors, []);
});

test('no request leaves the page after load; hostile names stay text', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  const outgoing = [];
  page.on('request', (r) => outgoing.push(r.url()));
  const evil = '<img src=x onerror=alert(1)>';
  const dump = `goroutine 1 [chan receive, 3 minutes]:\nmain.${evil}()\n\t/src/${evil}.go:12 +0x1\ncreated by main.start\n\tmain.go:3 +0x2\n\ngoroutine 2 [chan receive, 3 minutes]:\nmain.${evil}()\n\t/src/${evil}.go:12 +0x1\ncreated by main.start\n\tmain.go:3 +0x2\n`;
  await drop(page, [{ name: `${evil}.txt`, data: [...Buffer.from(dump)] }, fixture('go/a1-chanrecv-leak-n3/goroutine-3.pb.gz')]);
  for (const tab of ['leaks', 'top', 'source', 'traces', 'flame']) {
    await page.click(`[data-tab=${tab}]`);
    await page.waitForSelector(`section.${tab}-view`);
  }
  await page.selectOption('[data-testid=snapshot-select]', { index: 0 });
  for (const tab of ['leaks', 'top', 'traces']) {
    await page.click(`[data-tab=${tab}]`);
    await page.waitForSelector(`section.${tab}-view`);
  }
  assert.ok((await page.content()).includes('&lt;img src=x onerror=alert(1)&gt;'), 'the name is shown as text');
  assert.equal(await page.$$eval('img', (i) => i.length), 0, 'no <img> was created');
  assert.deepEqual(outgoing, [], 'no network request after load');
  assert.deepEqual(errors, []);
});

test('the CSP forbids connections to other origins', async () => {
  const errors = [];
  const page = await openPage(browser, server.url, errors);
  const csp = await page.$eval('meta[http-equiv=Content-Security-Policy]', (m) => m.content);
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /default-src 'none'/);
  const blocked = await page.evaluate(async () => {
    try { await fetch('http://127.0.0.2:9/x'); return false; } catch { return true; }
  });
  assert.ok(blocked);
});

test('cross-links: Top → Source → Top, Flame → Source', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  await drop(page, [fixture('go/a2-chanrecv-leak-n500/goroutine-3.pb.gz'), fixture('go/a2-chanrecv-leak-n500/main.go')]);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  const row = page.locator('[data-testid=top-table] tbody tr', { hasText: 'main.searchHandler.func1' });
  await row.locator('button', { hasText: 'source' }).click();
  await page.waitForSelector('[data-testid=listing] tr[data-line="28"].hot');
  await page.click('[data-testid=source-to-top]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=top-table] tbody tr').length === 1);
  assert.equal(await page.inputValue('[data-testid=filter]'), '^main\\.searchHandler\\.func1$');
  await page.locator('[data-testid=top-table] tbody tr button', { hasText: 'flame' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-canvas]')?.dataset.zoom !== '0');
  await page.click('[data-testid=flame-to-source]');
  await page.waitForSelector('[data-testid=listing] tr[data-line="28"].hot');
  assert.deepEqual(errors, []);
});

test('a source folder picked with the folder chooser annotates the listing', async () => {
  const { mkdtempSync, mkdirSync, copyFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const root = mkdtempSync(join(tmpdir(), 'src-'));
  mkdirSync(join(root, 'leakdemo/chanrecv'), { recursive: true });
  copyFileSync(fixture('go/a2-chanrecv-leak-n500/main.go'), join(root, 'leakdemo/chanrecv/main.go'));
  const errors = [];
  const page = await openPage(browser, server.url + '?view=source', errors);
  await drop(page, [fixture('go/a2-chanrecv-leak-n500/goroutine-3.pb.gz')]);
  await page.waitForSelector('[data-testid=source-hint]');
  const inputs = page.locator('header input[type=file]');
  await inputs.nth(1).setInputFiles(root);
  await page.selectOption('[data-testid=source-fn]', 'main.searchHandler.func1');
  await page.waitForSelector('[data-testid=listing] tr[data-line="28"].hot');
  assert.match(await page.textContent('section.source-view'), /1 source file\(s\) dropped/);
  assert.deepEqual(errors, []);
});

test('the site works from a sub-path, demo included', async () => {
  const sub = await serve('/tools/leakscope/');
  const errors = [];
  let page;
  try {
    page = await openPage(browser, sub.url, errors);
    await page.click('[data-testid=open-demo]');
    await page.waitForSelector('[data-testid=finding]');
    assert.ok(sub.requests.every((r) => r.startsWith('/tools/leakscope/')), sub.requests.join(' '));
    assert.deepEqual(errors, []);
  } finally {
    await page?.close();
    await sub.close();
  }
});

test('a large file decodes in the worker: a real progress bar, no long task, a second drop meanwhile', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  const small = readFileSync(fixture('go/a1-chanrecv-leak-n3/goroutine-3.pb.gz')).toString('base64');
  // Both files are made in the page first, so that watching starts
  // before the first drop and nothing of the decode can be missed, however
  // slow or fast the machine.
  await page.evaluate((b64) => {
    // ~25 MB debug=2 dump: long enough to see the indicator.
    const one = (id) => `goroutine ${id} [chan receive, 5 minutes]:\nmain.worker(0xc000123456, 0x1)\n\tapp/worker.go:42 +0x1d\nmain.pool.func1()\n\tapp/pool.go:17 +0x2a\ncreated by main.pool in goroutine 1\n\tapp/pool.go:15 +0x6b\n\n`;
    window.__big = new File([Array.from({ length: 120000 }, (_, i) => one(i + 2)).join('')], 'big.debug2.txt');
    const bin = atob(b64);
    const u = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
    window.__second = new File([u], 'second.pb.gz');
  }, small);
  const r = await page.evaluate(async () => {
    const long = [];
    const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => long.push(e.duration)));
    obs.observe({ type: 'longtask' });
    const dropFile = (f) => {
      const dt = new DataTransfer();
      dt.items.add(f);
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    };
    dropFile(window.__big);
    const values = [];
    const texts = [];
    let second = false;
    await new Promise((res) => {
      const tick = () => {
        const busy = document.querySelector('[data-testid=busy]');
        const p = document.querySelector('[data-testid=progress]');
        if (p) { values.push(Number(p.getAttribute('value'))); texts.push(busy.textContent); }
        // The second file is dropped while the worker decodes the first
        // (once read: a small file dropped while a big one is read is read
        // first and goes first).
        if (!second && busy && /Decoding big\.debug2\.txt/.test(busy.textContent)) { dropFile(window.__second); second = true; }
        if (second && !busy) res(); else requestAnimationFrame(tick);
      };
      tick();
    });
    obs.disconnect();
    return { long, values, texts };
  });
  assert.ok(r.texts.some((t) => /Decoding big\.debug2\.txt/.test(t)), r.texts.slice(0, 3).join(' | '));
  assert.deepEqual(r.long.filter((d) => d > 100), [], 'no main-thread task over 100 ms while decoding');
  const distinct = [...new Set(r.values)];
  assert.ok(distinct.length >= 3, `the bar advances: ${distinct.join(' ')}`);
  assert.ok(r.values.every((v, i) => i === 0 || v >= r.values[i - 1] || r.texts[i] !== r.texts[i - 1]), 'it never goes back for one file');
  assert.ok(r.texts.some((t) => /1 more queued/.test(t)), 'the second drop is queued, not refused');
  await page.waitForSelector('[data-testid=top-table] tbody tr', { timeout: 60000 });
  const options = await page.$$eval('[data-testid=snapshot-select] option', (o) => o.map((x) => x.textContent));
  assert.ok(options.some((o) => o.startsWith('big.debug2.txt')) && options.some((o) => o.startsWith('second.pb.gz')), options.join(', '));
  assert.deepEqual(errors, []);
});

test('if the decoder cannot start, the page says so, names refused files and keeps working', async () => {
  const broken = await serve('/', { '/worker.js': null });
  let page;
  try {
    const errors = [];
    page = await openPage(browser, broken.url + '?view=top', errors, false);
    const banner = await page.waitForSelector('[data-testid=error-banner]');
    assert.match(await banner.textContent(), /decoder stopped/);
    await drop(page, [fixture('go/a1-chanrecv-leak-n3/goroutine-3.pb.gz')]);
    await page.waitForFunction(() => /goroutine-3\.pb\.gz: not opened/.test(document.querySelector('[data-testid=error-banner]').textContent));
    // Still a working page: the shortcuts dialog opens.
    await page.click('[data-testid=help-button]');
    assert.deepEqual(errors, []);
  } finally {
    // Open connections would keep the server from closing.
    await page?.close();
    await broken.close();
  }
});

test('A name with bytes that are not UTF-8 reads \\xNN in Top and Traces', async () => {
  const errors = [];
  const page = await openPage(browser, server.url + '?view=top', errors);
  // pyroscope's test profile: one function named by every byte 0x00..0xff.
  await drop(page, [fixture('real/grafana-pyroscope/pkg/og/convert/pprof/testdata/invalid_utf8.pb.gz')]);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  const names = (await topRows(page)).map((r) => r[5]);
  const odd = names.find((n) => n.includes('xyz{|}~'));
  assert.ok(odd, names.join(' | '));
  assert.ok(odd.includes('\\x80\\x81\\x82') && odd.endsWith('\\xfe\\xff'), odd);
  assert.ok(!odd.includes('\uFFFD'), 'no replacement character');
  await page.click('[data-tab=traces]');
  await page.waitForSelector('[data-testid=traces] li');
  await settled(page);
  const frames = await page.$$eval('[data-testid=traces] .frames li', (lis) => lis.map((li) => li.textContent));
  assert.ok(frames.some((f) => f.includes('\\x80\\x81') && f.endsWith('\\xfe\\xff')), frames.join(' | '));
  assert.deepEqual(errors, []);
});
