// Shared helpers for the browser tests: a static server for dist/ that
// records every request, Debian's Chromium through playwright-core, and
// dropping real files onto the page through a DataTransfer.
import { createServer } from 'node:http';
import { readFileSync, existsSync, statSync, mkdirSync } from 'node:fs';
import { join, extname, basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
export const FIXTURES = join(ROOT, 'core/tests/fixtures');
export const ARTIFACTS = join(ROOT, 'e2e/artifacts');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/** Serves dist/ on a free port; `requests` lists every path asked for. */
/** `prefix` serves the site under a sub-path, as a static host might. */
/** `extra` maps more URL paths to files on disk (the benchmark's inputs),
 *  or to null for a 404 (a deployment missing a file). */
export async function serve(prefix = '/', extra = {}) {
  const requests = [];
  let swBump = '';
  const server = createServer((req, res) => {
    requests.push(req.url);
    if (req.url.split('?')[0].endsWith('/sw.js') && swBump) {
      // A "new deployment": same worker with another version.
      const body = readFileSync(join(DIST, 'sw.js'), 'utf8').replace(/const VERSION = '([^']*)'/, `const VERSION = '$1${swBump}'`);
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-cache' });
      res.end(body);
      return;
    }
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (pathname in extra && !extra[pathname]) {
      res.writeHead(404).end();
      return;
    }
    if (extra[pathname]) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(readFileSync(extra[pathname]));
      return;
    }
    if (!pathname.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    const path = join(DIST, pathname.slice(prefix.length - 1));
    const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'index.html') : path;
    if (!file.startsWith(DIST) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}${prefix}`;
  // Closing also ends the connections a page (or its service worker) still
  // holds: otherwise close() waits for them, and a test run can hang.
  return { url, requests, bumpSw: (v) => { swBump = v; }, close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that fails the test on any uncaught page error. */
export async function openPage(browser, url, errors, waitWorker = true) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => { errors.push('dialog: ' + d.message()); d.dismiss(); });
  await page.goto(url);
  await page.waitForSelector('header.top');
  // Loaded means the worker too: it fetches its script and wasm after the page.
  if (waitWorker) await page.waitForSelector('body[data-worker-ready]', { state: 'attached' });
  return page;
}

/** Drops files (path on disk, or {name, data}) onto the page. */
export async function drop(page, files) {
  const payload = files.map((f) => typeof f === 'string'
    ? { name: basename(f), b64: readFileSync(f).toString('base64') }
    : { name: f.name, b64: Buffer.from(f.data).toString('base64') });
  await page.evaluate((items) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of items) {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], name));
    }
    window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, payload);
}

export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** Waits until the worker has answered every request the page sent. */
export async function settled(page) {
  await page.waitForSelector('body:not([data-pending])', { state: 'attached' });
}

/** Table rows of the Top view as arrays of cell texts (once settled). */
export async function topRows(page) {
  await settled(page);
  return page.$$eval('[data-testid=top-table] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 6).map((td) => td.textContent.trim())));
}

export function fixture(rel) {
  return join(FIXTURES, rel);
}

/** `leakscope top ARGS` rows as [flat, flat%, sum%, cum, cum%, name (inline)]. */
export function cliTop(args) {
  const out = execFileSync(join(ROOT, 'target/release/leakscope'), ['top', ...args], { encoding: 'utf8' }).split('\n');
  const start = out.findIndex((l) => l.trim().startsWith('flat  flat%'));
  return out.slice(start + 1).filter((l) => l.trim()).map((l) => l.match(/^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s\s(.*)$/).slice(1, 7));
}

/** `leakscope web FILES` (the page built into the binary by `make cli`):
 *  its URL (with the #files= token) and a way to stop it. */
export async function web(files, extra = []) {
  const { spawn } = await import('node:child_process');
  // LEAKSCOPE_WEB_SITE=dist serves a fresh `trunk build` instead of the
  // page built into the binary (quicker while working on the page).
  const site = process.env.LEAKSCOPE_WEB_SITE ? ['--site', process.env.LEAKSCOPE_WEB_SITE] : [];
  const child = spawn(join(ROOT, 'target/release/leakscope'), ['web', '--no-browser', '--port', '0', ...site, ...extra, ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl).trim());
    });
    child.on('exit', (code) => reject(new Error(`leakscope web exited ${code}: ${stderr}`)));
  });
  return { url, origin: new URL(url).origin, stderr: () => stderr, close: () => { child.kill(); } };
}

/** The option texts of the snapshot selector. */
export async function snapshotNames(page) {
  return page.$$eval('[data-testid=snapshot-select] option', (o) => o.map((x) => x.textContent));
}
