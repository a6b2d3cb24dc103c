// Cold-load benchmark of the panel's first screens (not a test: it prints figures).
//
// Each run is a fresh browser context (empty HTTP cache, like a first visit) on headless
// Chromium over loopback: the time from navigation start until the page is interactive, i.e.
// the WASM bundle has hydrated the server's HTML (<body data-hydrated="true">), plus the
// bundle's bytes on the wire. A second load in the same context shows what caching saves.
//
// Run it with `cargo xtask bench-load` (builds the release site, starts a demo server), or
// against a running server:
//   BASE_URL=http://127.0.0.1:3000 DEMO_ADMIN_PASSWORD=... node end2end/bench/cold-load.mjs
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const email = process.env.DEMO_ADMIN_EMAIL ?? 'admin@demo.example';
const password = process.env.DEMO_ADMIN_PASSWORD;
const runs = Number(process.env.RUNS ?? 5);
if (!password) {
  console.error('DEMO_ADMIN_PASSWORD is not set');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

/** Navigates to `path` and waits for hydration: ms since navigation start, and the bytes. */
async function load(page, path) {
  await page.goto(base + path, { waitUntil: 'commit' });
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 60_000 });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const wasm = res.filter((r) => r.name.endsWith('.wasm'));
    const sum = (list, key) => list.reduce((n, r) => n + (r[key] || 0), 0);
    return {
      url: location.pathname,
      // performance.now() is measured from the navigation's start.
      interactiveMs: performance.now(),
      htmlMs: nav ? nav.responseEnd : 0,
      wasmTransfer: sum(wasm, 'transferSize'),
      wasmDecoded: sum(wasm, 'decodedBodySize'),
      totalTransfer: sum(res, 'transferSize') + (nav ? nav.transferSize : 0),
    };
  });
}

// A session for the signed-in screens: sign in once through the form.
const login = await browser.newContext();
{
  const page = await login.newPage();
  await page.goto(base + '/login');
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 60_000 });
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => u.pathname !== '/login', { timeout: 60_000 });
}
const session = await login.storageState();
await login.close();

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const [label, path, state] of [
  ['sign-in page (signed out)', '/login', undefined],
  ['dashboard (signed in)', '/', session],
]) {
  const cold = [];
  const warm = [];
  let sample;
  let warmSample;
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ storageState: state });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    sample = await load(page, path);
    cold.push(sample.interactiveMs);
    // Same context: the bundle comes from the HTTP cache when its headers allow it.
    warmSample = await load(page, path);
    warm.push(warmSample.interactiveMs);
    if (errors.length) {
      console.error(`${label}: page errors: ${errors.map(String).join('; ')}`);
      process.exitCode = 1;
    }
    await context.close();
  }
  console.log(
    `${label} ${sample.url}: cold load to interactive median ${median(cold).toFixed(0)} ms ` +
      `(runs: ${cold.map((x) => x.toFixed(0)).join(', ')}; HTML in ${sample.htmlMs.toFixed(0)} ms); ` +
      `WASM ${kib(sample.wasmTransfer)} on the wire (${kib(sample.wasmDecoded)} decoded), ` +
      `${kib(sample.totalTransfer)} in all; second load median ${median(warm).toFixed(0)} ms, ` +
      `${kib(warmSample.totalTransfer)} on the wire`,
  );
}
await browser.close();
