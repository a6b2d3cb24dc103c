import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { test, expect, type Page } from '@playwright/test';

// Admin panel I: locations and terminals (pairing code), a ruleset through the full form,
// T&C upload and the Issuer's mandatory consent, validation errors beside their fields.
// Screenshots of each main screen go to <outputDir>/screens/*.png.

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
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
}

function atPath(pathname: string | RegExp): (url: URL) => boolean {
  return (url) =>
    typeof pathname === 'string' ? url.pathname === pathname : pathname.test(url.pathname);
}

async function screen(page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: path.join(test.info().project.outputDir, 'screens', `${name}.png`),
    fullPage: true,
  });
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function goto(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await waitForHydration(page);
}

function simBinary(): string {
  const sim = process.env.POS_SIM_BIN ?? path.join(__dirname, '..', '..', 'target', 'debug', 'pos-sim');
  if (!fs.existsSync(sim)) {
    throw new Error(`pos-sim not found at ${sim} (build it with cargo build -p server)`);
  }
  return sim;
}

test('locations: create, validation beside the field, terminal and pairing code', async ({ page }) => {
  const errors = watchPageErrors(page);
  await signIn(page, adminEmail, adminPassword());
  await expect(page).toHaveURL(atPath('/'));

  await goto(page, '/locations');
  await expect(page.getByRole('heading', { name: 'Locations', exact: true })).toBeVisible();
  await expect(page.locator('#locations')).toContainText('Warsaw Chopin Lounge');
  // Filters live in the URL.
  await page.getByLabel('Country code', { exact: true }).fill('DEU');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page).toHaveURL((url) => url.searchParams.get('country') === 'DEU');
  await expect(page.locator('#locations tbody tr')).toHaveCount(2);
  await screen(page, 'locations');

  await page.getByRole('link', { name: 'Add location', exact: true }).click();
  await expect(page).toHaveURL(atPath('/locations/new'));
  await waitForHydration(page);
  const name = `E2E Lounge ${Date.now()}`;
  // A bad country code: refused in the browser, the message beside the field.
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Country code', { exact: true }).fill('P1');
  await page.getByLabel('Postal code', { exact: true }).fill('00-001');
  await page.getByLabel('City', { exact: true }).fill('Warsaw');
  await page.getByRole('button', { name: 'Create location', exact: true }).click();
  const countryError = page.locator('#country + .field-error');
  await expect(countryError).toContainText('three-letter');
  await expect(page).toHaveURL(atPath('/locations/new'));
  await screen(page, 'location-validation');

  await page.getByLabel('Country code', { exact: true }).fill('POL');
  await page.getByLabel('Cooldown period in minutes (optional)', { exact: true }).fill('30');
  await page.getByRole('button', { name: 'Create location', exact: true }).click();
  await expect(page).toHaveURL(atPath(/^\/locations\/[0-9a-f-]{36}$/));
  await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
  await waitForHydration(page);

  // Add a terminal, then get its pairing code (shown once).
  const serial = `E2E-${Date.now()}`;
  await page.getByLabel('ID (serial number)', { exact: true }).fill(serial);
  await page.getByRole('button', { name: 'Add terminal', exact: true }).click();
  const row = page.locator(`#terminals tr[data-serial="${serial}"]`);
  await expect(row).toContainText('NOT PAIRED');
  await row.getByRole('button', { name: 'Get pairing code', exact: true }).click();
  const code = page.locator('.pairing-code .code');
  await expect(code).toHaveText(/^\d{8}$/);

  // The simulator pairs with that code; the location then lists the terminal as PAIRED.
  const sim = simBinary();
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-sim-'));
  execFileSync(sim, [
    '--state', state, 'pair',
    '--server', process.env.BASE_URL ?? '', '--serial', serial, '--code', (await code.textContent()) ?? '',
  ]);
  await page.reload();
  await waitForHydration(page);
  await expect(row).toContainText('PAIRED');
  await expect(row).not.toContainText('NOT PAIRED');
  await expect(row.getByRole('button', { name: 'Unpair', exact: true })).toBeVisible();
  await screen(page, 'location-details');

  expect(errors.map((e) => e.message)).toEqual([]);
});

test('rules: a ruleset through the full form, then the simulator is granted under it', async ({ page }) => {
  const errors = watchPageErrors(page);
  // A location no other ruleset covers (Italy), with a terminal paired to the simulator.
  const api = page.request;
  const tok = await api.post('/api/v1/auth/token', { data: { email: adminEmail, password: adminPassword() } });
  expect(tok.ok()).toBeTruthy();
  const headers = { authorization: `Bearer ${(await tok.json()).access_token}` };
  const locName = `E2E Rome Lounge ${Date.now()}`;
  const loc = await api.post('/api/v1/admin/locations', {
    headers,
    data: { name: locName, country: 'ITA', service_code: 'LOUNGE', postal_code: '00054', city: 'Fiumicino', time_zone: 'Europe/Rome' },
  });
  expect(loc.status()).toBe(201);
  const locId = (await loc.json()).id;
  const serial = `E2E-ROME-${Date.now()}`;
  expect((await api.post(`/api/v1/admin/locations/${locId}/terminals`, { headers, data: { serial_number: serial } })).status()).toBe(201);
  const pc = await api.post(`/api/v1/admin/terminals/${serial}/pairing-code`, { headers });
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'pos-sim-'));
  const sim = simBinary();
  execFileSync(sim, ['--state', state, 'pair', '--server', process.env.BASE_URL ?? '', '--serial', serial, '--code', (await pc.json()).code]);
  const card = '5412345678901232'; // the demo BIN table: ICA 1234, Demo Bank, POL, MCW
  const before = JSON.parse(execFileSync(sim, ['--state', state, 'check', '--pan', card]).toString());
  expect(before.status).not.toBe('GRANTED');

  await signIn(page, adminEmail, adminPassword());
  await expect(page).toHaveURL(atPath('/'));

  await goto(page, '/rules/new');
  await expect(page.getByRole('heading', { name: 'Adding a new rule', exact: true })).toBeVisible();
  const name = `E2E Gold ${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Description', { exact: true }).fill('Gold cards, Warsaw lounge');
  await page.getByLabel('Valid from (UTC, YYYY-MM-DDTHH:MM)', { exact: true }).fill('2026-01-01T00:00');
  // Valid to before valid from: refused beside the field.
  await page.getByLabel('Valid to (UTC; empty = open-ended)', { exact: true }).fill('2025-01-01T00:00');
  await page.getByLabel('Country of the issuer (alpha-3; empty = any)', { exact: true }).fill('POL');
  await page.getByLabel('Product codes (comma-separated, e.g. MCG, MCW)', { exact: true }).fill('MCW');
  await page.getByLabel('ICAs with BIN ranges (one per line: ICA FROM TO)').fill('1234 54123456 54123456');
  await page.getByLabel('Lounge', { exact: true }).check();
  await page.getByLabel(new RegExp(locName)).check();
  await page.locator('#cardholder-free-count').fill('3');
  await page.locator('#cardholder-periodDays').fill('365');
  await page.locator('#cardholder-paid').check();
  await page.locator('#cardholder-paid-price-amount').fill('25.00');
  await page.locator('#cardholder-paid-price-currency').fill('EUR');
  await page.getByRole('button', { name: 'Create rule', exact: true }).click();
  await expect(page.locator('[data-field="validTo"]')).toBeVisible();
  await screen(page, 'rule-form');

  await page.getByLabel('Valid to (UTC; empty = open-ended)', { exact: true }).fill('2030-01-01T00:00');
  await page.getByRole('button', { name: 'Create rule', exact: true }).click();
  await expect(page).toHaveURL(atPath(/^\/rules\/[0-9a-f-]{36}$/));
  await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
  await expect(page.locator('#rule-audit')).toContainText(adminEmail);
  await expect(page.locator('#versions tbody tr')).toHaveCount(1);
  await screen(page, 'rule-details');

  await goto(page, `/rules?name=${encodeURIComponent(name)}`);
  await expect(page.locator('#rules tbody tr')).toHaveCount(1);
  await screen(page, 'rules');

  // The simulator's tap at that location is now granted, under this ruleset only.
  const after = JSON.parse(execFileSync(sim, ['--state', state, 'check', '--pan', card]).toString());
  expect(after.status).toBe('GRANTED');
  expect(errors.map((e) => e.message)).toEqual([]);
});

test('terms: upload both documents; an Issuer is stopped at consent until both boxes are ticked', async ({ page }) => {
  const errors = watchPageErrors(page);
  await signIn(page, adminEmail, adminPassword());
  await expect(page).toHaveURL(atPath('/'));

  await goto(page, '/terms');
  for (const [label, file] of [
    ['Terms and Conditions', 'terms.txt'],
    ['Privacy Policy', 'privacy.txt'],
  ]) {
    await page.getByLabel('Document', { exact: true }).selectOption({ label });
    await page.getByLabel('Effective date', { exact: true }).fill('2020-01-01');
    await page.locator('#file').setInputFiles({
      name: file,
      mimeType: 'text/plain',
      buffer: Buffer.from(`${label} — e2e ${Date.now()}`),
    });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await expect(page).toHaveURL((url) => url.searchParams.has('uploaded'));
    await waitForHydration(page);
    await expect(page.locator('#documents')).toContainText(file);
  }
  await screen(page, 'terms');

  // A new Issuer user with a known password.
  const email = `e2e-issuer-${Date.now()}@example.com`;
  const password = 'Issuer-passphrase-1!';
  await goto(page, '/users/new');
  await page.getByLabel('First name', { exact: true }).fill('Ida');
  await page.getByLabel('Last name', { exact: true }).fill('Issuer');
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption('ISSUER');
  await page.getByLabel('Tenant', { exact: true }).selectOption({ label: 'Demo Bank (Issuer) (ISSUER)' });
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create user', exact: true }).click();
  await expect(page).toHaveURL(atPath('/users'));
  await page.context().clearCookies();

  await signIn(page, email, password);
  await expect(page).toHaveURL(atPath('/consent'));
  // Every other page sends the Issuer back here.
  await goto(page, '/locations');
  await expect(page).toHaveURL(atPath('/consent'));
  await screen(page, 'consent');

  // One box only: refused, beside the other box.
  await page.locator('#accept_terms').check();
  await page.getByRole('button', { name: 'Accept and continue', exact: true }).click();
  await expect(page.locator('.field-error')).toContainText('Privacy Policy');
  await expect(page).toHaveURL(atPath('/consent'));

  await page.locator('#accept_privacy').check();
  await page.getByRole('button', { name: 'Accept and continue', exact: true }).click();
  await expect(page).toHaveURL(atPath('/'));
  await goto(page, '/locations');
  await expect(page).toHaveURL(atPath('/locations'));
  expect(errors.map((e) => e.message)).toEqual([]);
});

test('try a card: the real engine explains a grant on the location page, recording nothing', async ({ page }) => {
  const errors = watchPageErrors(page);
  await signIn(page, adminEmail, adminPassword());
  await expect(page).toHaveURL(atPath('/'));

  // The Warsaw lounge of the demo world.
  await goto(page, '/locations/00000000-0000-4000-8000-0000000000a1');
  await expect(page.getByRole('heading', { name: 'Try a card', exact: true })).toBeVisible();
  await page.getByLabel('Card number (PAN)', { exact: true }).fill('5412345678901232');
  // A later instant: earlier tests may leave this card an open grant (or a cooldown) today.
  await page.getByLabel('At (UTC, YYYY-MM-DDTHH:MM; empty = now)', { exact: true }).fill('2029-06-01T10:00');
  await page.getByRole('button', { name: 'Try the card', exact: true }).click();
  const result = page.locator('#try-card .try-result');
  await expect(result.locator('.try-outcome')).toContainText('GRANTED');
  await expect(result).toContainText('541234******1232');
  await expect(result).not.toContainText('5412345678901232');
  const steps = result.locator('table.try-steps tbody tr');
  await expect(steps.first()).toBeVisible();
  await expect(result.locator('table.try-steps')).toContainText('✓ passed');
  await expect(steps.last()).toContainText('Decision');
  await screen(page, 'try-card');

  // A bad number: refused beside the field, the previous result gone.
  await page.getByLabel('Card number (PAN)', { exact: true }).fill('1234');
  await page.getByRole('button', { name: 'Try the card', exact: true }).click();
  await expect(page.locator('#try-card .field-error')).toContainText('12 to 19 digits');
  await expect(result).toHaveCount(0);
  expect(errors.map((e) => e.message)).toEqual([]);
});
