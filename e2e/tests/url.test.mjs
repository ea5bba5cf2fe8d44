// Every view's state in the URL (issue 21): tab, sample type, filters,
// granularity, base, current snapshot, flame zoom, flame search,
// bottom-up, Top's order; reload and back restore them; old links are
// upgraded. And the keys: n/p, Ctrl+F, Enter/Shift+Enter, Ctrl+O, the help.
// The files come from `leakscope web`, so a reload brings them back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, topRows, fixture, web, settled, drop, serve } from '../lib.mjs';

let browser, server;
const heaps = [0, 1, 2, 3].map((k) => fixture(`go/h1-substring-retention/heap-${k}.pb.gz`));
before(async () => { browser = await launch(); server = await web(heaps); });
after(async () => { server?.close(); await browser?.close(); });

const params = (page) => page.evaluate(() => Object.fromEntries(new URLSearchParams(location.search)));
const loaded = (page) => page.waitForFunction(() => document.querySelectorAll('[data-testid=snapshot-select] option').length === 4);
const zoomOf = (page) => page.$eval('[data-testid=flame-canvas]', (c) => c.dataset.zoom);
const crumbs = (page) => page.$$eval('[data-testid=breadcrumb] .crumb', (b) => b.map((x) => x.textContent));

/** What the page shows of every state item. */
async function shown(page) {
  await settled(page);
  return {
    snapshot: await page.$eval('[data-testid=snapshot-select]', (s) => s.selectedOptions[0].textContent),
    sampleType: await page.inputValue('[data-testid=sample-type]'),
    base: await page.$eval('[data-testid=base-select]', (s) => s.selectedOptions[0].textContent),
    focus: await page.inputValue('[data-filter=focus]'),
    hide: await page.inputValue('[data-filter=hide]'),
    granularity: await page.inputValue('[data-testid=granularity]'),
    tab: await page.$eval('[role=tab][aria-selected=true]', (t) => t.dataset.tab),
  };
}

test('every state item survives a reload and the back button', async () => {
  const errors = [];
  const page = await openPage(browser, server.url.replace('/#', '/?view=top#'), errors);
  await loaded(page);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  // Set each item through the page.
  await page.selectOption('[data-testid=snapshot-select]', { index: 2 });
  await page.selectOption('[data-testid=sample-type]', 'alloc_space');
  await page.selectOption('[data-testid=base-select]', { label: 'heap-0.pb.gz' });
  await page.fill('[data-filter=focus]', 'main');
  await page.press('[data-filter=focus]', 'Enter');
  await page.fill('[data-filter=hide]', '^runtime\\.');
  await page.press('[data-filter=hide]', 'Enter');
  await page.selectOption('[data-testid=granularity]', 'lines');
  await page.fill('[data-testid=filter]', 'fetch');
  await page.click('button[data-sort=cum]');
  await page.click('button[data-sort=cum]'); // cum ascending
  await settled(page);
  const topBefore = await topRows(page);
  await page.click('[data-tab=flame]');
  await page.waitForSelector('[data-testid=flame-canvas]');
  await page.click('[data-testid=bottom-up]');
  await page.fill('[data-testid=flame-search]', 'main\\.');
  await settled(page);
  const canvas = await page.$('[data-testid=flame-canvas]');
  const box = await canvas.boundingBox();
  await page.mouse.click(box.x + 20, box.y + 18 + 9);
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-canvas]').dataset.zoom !== '0');
  await settled(page);
  const p = await params(page);
  assert.deepEqual(
    { ...p, zoom: undefined },
    { v: '2', view: 'flame', snapshot: 'heap-2.pb.gz', base: 'heap-0.pb.gz', sample_index: 'alloc_space', q: 'fetch', focus: 'main', hide: '^runtime\\.', granularity: 'lines', sort: 'cum.asc', search: 'main\\.', bottom_up: '1', zoom: undefined },
  );
  assert.match(p.zoom, /^\d+(\.\d+)*$/);
  const before = await shown(page);
  const crumbsBefore = await crumbs(page);
  const shareBefore = await page.textContent('[data-testid=flame-share]');
  assert.equal(before.tab, 'flame');

  // Reload: the files come back from leakscope web, and with them every item.
  await page.reload();
  await loaded(page);
  await page.waitForSelector('[data-testid=flame-canvas]');
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-canvas]').dataset.zoom !== '0');
  assert.deepEqual(await shown(page), before);
  assert.deepEqual(await crumbs(page), crumbsBefore);
  assert.equal(await page.inputValue('[data-testid=flame-search]'), 'main\\.');
  assert.equal(await page.isChecked('[data-testid=bottom-up]'), true);
  assert.equal(await page.textContent('[data-testid=flame-share]'), shareBefore);
  assert.deepEqual(await params(page), p);
  await page.click('[data-tab=top]');
  assert.deepEqual(await topRows(page), topBefore, 'same rows, same order, same deltas');
  assert.equal(await page.inputValue('[data-testid=filter]'), 'fetch');
  assert.equal(await page.$eval('th.sorted', (th) => th.getAttribute('aria-sort') + ' ' + th.textContent), 'ascending cum');

  // Back: the flame graph as it was, zoom included; forward: Top again.
  await page.goBack();
  await page.waitForSelector('[data-testid=flame-canvas]');
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-canvas]').dataset.zoom !== '0');
  assert.deepEqual(await crumbs(page), crumbsBefore);
  assert.deepEqual(await params(page), p);
  await page.goForward();
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  // Changing the snapshot and the query after a back: the URL follows.
  await page.selectOption('[data-testid=snapshot-select]', { index: 3 });
  await page.waitForFunction(() => new URLSearchParams(location.search).get('snapshot') === 'heap-3.pb.gz');
  await page.click('[data-testid=clear-filters]');
  await page.waitForFunction(() => !new URLSearchParams(location.search).has('focus'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a link from before versions is read and rewritten as version 2', async () => {
  const errors = [];
  const page = await openPage(browser, server.url.replace('/#', '/?view=top&si=alloc_space&g=files&focus=main#'), errors);
  await loaded(page);
  await settled(page);
  assert.equal(await page.inputValue('[data-testid=sample-type]'), 'alloc_space');
  assert.equal(await page.inputValue('[data-testid=granularity]'), 'files');
  const p = await params(page);
  assert.equal(p.v, '2');
  assert.equal(p.sample_index, 'alloc_space');
  assert.equal(p.granularity, 'files');
  assert.equal(p.focus, 'main');
  assert.ok(!('si' in p) && !('g' in p), JSON.stringify(p));
  assert.ok(await page.evaluate(() => location.hash.startsWith('#files=')), 'the fragment stays');
  assert.ok((await topRows(page)).some((r) => r[5].endsWith('.go')), 'files granularity applied');
  assert.deepEqual(errors, []);
  await page.close();
});

test('keys: n and p step through snapshots, Ctrl+F finds, Enter steps through matches, Ctrl+O opens, ? lists them', async () => {
  const errors = [];
  const page = await openPage(browser, server.url.replace('/#', '/?view=top#'), errors);
  await loaded(page);
  await page.waitForSelector('[data-testid=top-table] tbody tr');
  const current = () => page.$eval('[data-testid=snapshot-select]', (s) => s.selectedIndex);
  await page.waitForFunction(() => document.querySelector('[data-testid=snapshot-select]').selectedIndex === 3);
  await page.keyboard.press('p');
  assert.equal(await current(), 2);
  await page.keyboard.press('p');
  await page.keyboard.press('p');
  await page.keyboard.press('p'); // stays at the first
  assert.equal(await current(), 0);
  await page.keyboard.press('n');
  assert.equal(await current(), 1);
  await page.waitForFunction(() => new URLSearchParams(location.search).get('snapshot') === 'heap-1.pb.gz');
  // In a text field, n is a letter.
  await page.focus('[data-testid=filter]');
  await page.keyboard.press('n');
  assert.equal(await current(), 1);
  assert.equal(await page.inputValue('[data-testid=filter]'), 'n');
  await page.fill('[data-testid=filter]', '');
  await page.evaluate(() => document.activeElement.blur());

  // Ctrl+F (and Cmd+F) focus the view's search box, not the browser's find.
  await page.keyboard.press('Control+f');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'filter');
  await page.evaluate(() => document.activeElement.blur());
  await page.click('[data-tab=flame]');
  await page.waitForSelector('[data-testid=flame-canvas]');
  await page.keyboard.press('Meta+f');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'flame-search');

  // Enter / Shift+Enter step through the matches, announced and counted.
  await page.keyboard.type('main\\.');
  await settled(page);
  await page.waitForSelector('[data-testid=flame-match]:not(:empty)');
  const names = [];
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Enter');
    await page.waitForFunction((k) => document.querySelector('[data-testid=flame-match]').textContent.startsWith(`match ${k} of `), i + 1);
    names.push(await page.textContent('[data-testid=flame-focus]'));
  }
  const total = Number((await page.textContent('[data-testid=flame-match]')).match(/of (\d+)/)[1]);
  assert.ok(total >= 3, `${total} matches`);
  assert.ok(names.every((n) => /^main\./.test(n)), names.join(' | '));
  await page.keyboard.press('Shift+Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid=flame-match]').textContent.startsWith('match 2 of '));
  assert.equal(await page.textContent('[data-testid=flame-focus]'), names[1]);
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.press('Shift+Enter'); // wraps to the last
  await page.waitForFunction((n) => document.querySelector('[data-testid=flame-match]').textContent.startsWith(`match ${n} of `), total);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'flame-search', 'the box keeps the focus');

  // Ctrl+O opens the file chooser.
  await page.evaluate(() => document.activeElement.blur());
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 5000 }), page.keyboard.press('Control+o')]);
  assert.ok(chooser.isMultiple());

  // The help lists every key.
  await page.keyboard.press('?');
  const help = await page.textContent('[data-testid=help]');
  for (const k of ['n / p', 'Ctrl/⌘ F', 'Enter / ⇧ Enter', 'Ctrl/⌘ O', '1 – 7', 'Esc', 'Ctrl/⌘ V']) {
    assert.ok(help.includes(k), `help lists ${k}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('dropped files: the URL names the snapshot, a reload with the files dropped again restores it', async () => {
  const stat = await serve();
  try {
    const errors = [];
    const page = await openPage(browser, stat.url + '?view=top', errors);
    await drop(page, heaps);
    await loaded(page);
    await page.selectOption('[data-testid=snapshot-select]', { index: 1 });
    await page.waitForFunction(() => new URLSearchParams(location.search).get('snapshot') === 'heap-1.pb.gz');
    await page.reload();
    await page.waitForSelector('header.top');
    await page.waitForSelector('body[data-worker-ready]', { state: 'attached' });
    // The URL keeps the wish while no file is open.
    assert.equal(new URL(page.url()).searchParams.get('snapshot'), 'heap-1.pb.gz');
    await drop(page, heaps);
    await loaded(page);
    await page.waitForFunction(() => document.querySelector('[data-testid=snapshot-select]').selectedIndex === 1);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await stat.close();
  }
});
