// Opens a ~400 MB (decompressed) profile in the production build and
// reports what happened: opened (time, worker memory), refused with a
// message, or the tab crashed. Prints a Markdown line for BENCHMARKS.md.
//   node e2e/huge.mjs bench-data/cpu-huge.pb.gz
import { execSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { serve, launch } from './lib.mjs';

const file = process.argv[2];
const server = await serve('/', { '/huge.pb.gz': file });
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
let crashed = false;
page.on('crash', () => { crashed = true; });
await page.goto(server.url + '?view=top');
await page.waitForSelector('header.top');
await page.waitForTimeout(300);
const t0 = Date.now();
let outcome;
try {
  // The page fetches the file itself (a 250 MB argument would not cross the protocol).
  await page.evaluate(async () => {
    const blob = await (await fetch('/huge.pb.gz')).blob();
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'huge.pb.gz'));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  const which = await page.waitForSelector('[data-testid=top-table] tbody tr, [data-testid=error-banner]', { timeout: 900000 });
  const isError = await which.evaluate((e) => !!e.closest('[data-testid=error-banner]'));
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const mem = await page.evaluate(() => Number(document.body.dataset.workerMemory || 0));
  // The page must keep working either way: the start of the page responds.
  const alive = await page.evaluate(() => document.querySelector('header.top') !== null);
  outcome = isError
    ? `refused after ${secs} s with "${(await which.textContent()).trim().slice(0, 160)}"; page still working: ${alive}`
    : `opened: Top table after ${secs} s, worker memory ${(mem / 1e6).toFixed(0)} MB`;
} catch (e) {
  outcome = crashed ? 'the tab crashed' : `failed: ${e.message.split('\n')[0]}`;
}
const raw = Number(execSync(`gzip -dc ${file} | wc -c`).toString());
console.log(`| ${basename(file)} (${(statSync(file).size / 1e6).toFixed(0)} MB, ${(raw / 1e6).toFixed(0)} MB decompressed) | ${outcome} |`);
await browser.close();
await server.close();
