import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { test, expect, type Page } from '@playwright/test';

// Admin panel II: operations list (filters kept in the URL, live updates over SSE, reversal,
// export links),
// enrolled cards, and the traffic dashboard drawn as SVG charts.
// Run by `cargo xtask test`, which starts the server with --demo.

const adminEmail = process.env.DEMO_ADMIN_EMAIL ?? 'admin@demo.example';

function adminPassword(): string {
  const password = process.env.DEMO_ADMIN_PASSWORD;
  if (!password) {
    throw new Error('DEMO_ADMIN_PASSWORD is not set (run the tests with `cargo xtask test`)');
  }
  return password;
}

function watchPageErrors(page: Page): Error[] {
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  return errors;
}

async function waitForHydration(page: Page): Promise<void> {
  // A debug WASM bundle on a loaded machine can take a while to start.
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 60_000 });
}

async function screen(page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: path.join(test.info().project.outputDir, 'screens', `${name}.png`),
    fullPage: true,
  });
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('E-mail', { exact: true }).fill(adminEmail);
  await page.getByLabel('Password', { exact: true }).fill(adminPassword());
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/');
}

test('dashboard shows the traffic charts', async ({ page }) => {
  const errors = watchPageErrors(page);
  await signIn(page);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.locator('[data-stat="entries"]')).toBeVisible();
  await expect(page.locator('figure.chart svg').first()).toBeVisible();
  await expect(page.getByText('Entries per hour of day (local time)')).toBeVisible();
  await expect(page.getByText('Days and hours in UTC.')).toBeVisible();
  await screen(page, 'panel2-dashboard');
  expect(errors).toEqual([]);
});

test('operations: filters in the URL, live note, export downloads a file', async ({ page }) => {
  const errors = watchPageErrors(page);
  await signIn(page);
  await page.goto('/operations');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Operations' })).toBeVisible();
  await expect(page.locator('.live-note[data-live="on"]')).toBeVisible();
  await page.getByLabel('BIN', { exact: true }).fill('541234');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page).toHaveURL(/bin=541234/);
  await expect(page.getByText(/operations · page 1 of/)).toBeVisible();
  await screen(page, 'panel2-operations');

  const downloadPromise = page.waitForEvent('download');
  await page.locator('a', { hasText: 'CSV' }).first().click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe('operations-summary.csv');

  // Hydrated, an export is fetched in the page with a progress line, then saved as a Blob.
  const progress = page.locator('p.exports .export-progress');
  await expect(progress).toContainText('Done: operations-summary.csv');
  const detailedPromise = page.waitForEvent('download');
  await page.locator('p.exports a', { hasText: 'CSV' }).nth(1).click();
  const detailed = await detailedPromise;
  expect(detailed.suggestedFilename()).toBe('operations-detailed.csv');
  await expect(progress).toHaveAttribute('data-state', 'done');
  await expect(progress).toContainText(/Done: operations-detailed\.csv, \d+\.\d [kM]B/);
  expect(errors).toEqual([]);
});

test('enrolled cards list with filters', async ({ page }) => {
  const errors = watchPageErrors(page);
  await signIn(page);
  await page.goto('/cards?product=MCW&last4=1232');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Enrolled cards' })).toBeVisible();
  await expect(page.getByText(/cards · page 1 of/)).toBeVisible();
  await screen(page, 'panel2-cards');

  // The demo World card's details: its hash, and the visits left under the World ruleset.
  await page.getByRole('link', { name: '541234******1232' }).click();
  await expect(page.getByRole('heading', { name: 'Card details' })).toBeVisible();
  await expect(page.locator('table.details')).toContainText('Hash');
  const world = page.locator('table.visits tr', { hasText: 'World lounge access' });
  await expect(world).toContainText('last 365 days');
  await expect(world.locator('td').nth(3)).toHaveText(/^\d+$/);
  await screen(page, 'panel2-card-details');
  expect(errors).toEqual([]);
});

const WARSAW_LOUNGE = '00000000-0000-4000-8000-0000000000a1';

function simBinary(): string {
  const sim = process.env.POS_SIM_BIN ?? path.join(__dirname, '..', '..', 'target', 'debug', 'pos-sim');
  if (!fs.existsSync(sim)) {
    throw new Error(`pos-sim not found at ${sim} (build it with cargo build -p server)`);
  }
  return sim;
}

/** A Luhn-valid card in the demo World BIN range (54123400–54123499), new on every run. */
function freshWorldCard(): string {
  const body = '54123412' + String(Date.now() % 10_000_000).padStart(7, '0');
  const sum = body
    .split('')
    .reverse()
    .map((c, i) => {
      const d = Number(c) * (i % 2 === 0 ? 2 : 1);
      return d > 9 ? d - 9 : d;
    })
    .reduce((a, b) => a + b, 0);
  return body + String((10 - (sum % 10)) % 10);
}

test('operations: a terminal entry appears live without reload, then the admin reverses it', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchPageErrors(page);
  // A fresh terminal at the Warsaw lounge, paired to the simulator through the admin API.
  const api = page.request;
  const tok = await api.post('/api/v1/auth/token', { data: { email: adminEmail, password: adminPassword() } });
  expect(tok.ok()).toBeTruthy();
  const headers = { authorization: `Bearer ${(await tok.json()).access_token}` };
  const serial = `E2E-LIVE-${Date.now()}`;
  const added = await api.post(`/api/v1/admin/locations/${WARSAW_LOUNGE}/terminals`, {
    headers,
    data: { serial_number: serial },
  });
  expect(added.status()).toBe(201);
  const pc = await api.post(`/api/v1/admin/terminals/${serial}/pairing-code`, { headers });
  expect(pc.status()).toBe(201);
  const sim = simBinary();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-sim-'));
  execFileSync(sim, ['--state', state, 'pair', '--server', process.env.BASE_URL ?? '', '--serial', serial, '--code', (await pc.json()).code]);

  await signIn(page);
  await page.goto(`/operations?terminal=${serial}`);
  await waitForHydration(page);
  await expect(page.locator('.live-note[data-live="on"]')).toBeVisible();
  const rows = page.locator('table.ops tbody tr');
  await expect(rows).toHaveCount(0);
  // A marker that a reload would wipe.
  await page.evaluate(() => ((window as unknown as { noReload: boolean }).noReload = true));

  // The cardholder taps; the terminal confirms with one adult guest.
  const card = freshWorldCard();
  const out = execFileSync(sim, ['--state', state, 'enter', '--pan', card, '--adults', '1']).toString();
  expect(out).toContain('COMPLETED');

  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('COMPLETED');
  await expect(rows.first()).toContainText(`${card.slice(0, 6)}******${card.slice(-4)}`);
  expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
  await screen(page, 'panel2-operations-live');

  // Reverse it as Admin, through the confirmation (issue 18): the dialog names the card and
  // the location and says what happens; Cancel changes nothing; a reason is required.
  await rows.first().getByRole('link').click();
  await expect(page.getByRole('heading', { name: 'Operation details' })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Reverse', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`Reverse the entry of card ${card.slice(0, 6)}******${card.slice(-4)} at `);
  await expect(dialog).toContainText('The visit is given back to the card');
  await screen(page, 'panel2-reverse-confirm');
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('table.details')).toContainText('COMPLETED');

  await page.getByRole('button', { name: 'Reverse', exact: true }).click();
  const confirm = dialog.getByRole('button', { name: 'Yes, reverse the entry', exact: true });
  await confirm.click();
  // No reason: the browser keeps the dialog open on the required field; nothing is reversed.
  await expect(dialog).toBeVisible();
  expect(await dialog.getByLabel('Reason (required)').evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);
  await expect(page.locator('table.details')).toContainText('COMPLETED');
  await dialog.getByLabel('Reason (required)').fill('E2E: entered by mistake');
  await confirm.click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('table.details')).toContainText('REVERSED');
  await expect(page.locator('.toasts')).toContainText('Entry reversed.');
  await expect(page.locator('table.details')).toContainText('E2E: entered by mistake');
  await expect(page.getByRole('button', { name: 'Reverse', exact: true })).toHaveCount(0);
  await screen(page, 'panel2-operation-reversed');
  expect(errors).toEqual([]);
});

test('fleet: status filter in the URL, a terminal with its processor mappings and the metrics chart', async ({ page }) => {
  const errors = watchPageErrors(page);
  await signIn(page);
  await page.goto('/fleet');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Fleet', exact: true })).toBeVisible();
  await expect(page.locator('#fleet tbody tr').first()).toBeVisible();

  // Filter by one status: kept in the URL, every row has it.
  await page.locator('#fleet-filters input[name="status"][value="active"]').check();
  await page.locator('#fleet-filters').getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page).toHaveURL(/[?&]status=active/);
  const rows = page.locator('#fleet tbody tr');
  await expect(rows.first()).toBeVisible();
  await expect(page.locator('#fleet tbody tr:not([data-status="active"])')).toHaveCount(0);
  await expect(page.locator('#fleet-filters input[name="status"][value="active"]')).toBeChecked();
  await expect(page.locator('#fleet-metrics figure.chart svg').first()).toBeVisible();
  await screen(page, 'panel2-fleet');

  // A terminal's page: add a processor mapping, see it listed, and the metrics chart.
  await rows.first().getByRole('link').click();
  await expect(page).toHaveURL(/\/fleet\/term_/);
  await expect(page.getByRole('heading', { name: 'Terminal', exact: true })).toBeVisible();
  await waitForHydration(page);
  await expect(page.locator('#fleet-status-form')).toBeVisible();
  const tid = `E2E${Date.now() % 100_000_000}`;
  await page.locator('#fleet-processor').selectOption('upsl');
  await page.locator('#fleet-processor-tid').fill(tid);
  await page.getByRole('button', { name: 'Add mapping', exact: true }).click();
  await expect(page.locator('#fleet-mappings tbody tr', { hasText: tid })).toHaveCount(1);
  await expect(page.locator('#fleet-mappings tbody tr', { hasText: tid })).toContainText('upsl');
  await expect(page.locator('#fleet-events li').first()).toBeVisible();
  await expect(page.locator('#fleet-metrics figure.chart svg').first()).toBeVisible();
  await screen(page, 'panel2-fleet-details');
  expect(errors).toEqual([]);
});
