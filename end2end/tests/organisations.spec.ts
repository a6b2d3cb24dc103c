import * as path from 'path';
import { test, expect, type APIRequestContext, type Page } from '@playwright/test';

// Organisations (Admin only): an issuer with an ICA (and the clear error when another issuer
// holds it), a service provider with a location assigned and unassigned, deactivation; then the
// user lifecycle in the panel: a view-only User sees no Add/Save/Delete, an admin's password
// reset gives a one-time password and the next sign-in must change it.

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

/** The demo admin's bearer token for the admin REST API. */
async function adminToken(request: APIRequestContext): Promise<string> {
  const resp = await request.post('/api/v1/auth/token', {
    data: { email: adminEmail, password: adminPassword() },
  });
  expect(resp.status()).toBe(200);
  return (await resp.json()).access_token as string;
}

test('organisations: issuer with an ICA, ICA conflict, provider with a location, deactivation', async ({
  page,
  request,
}) => {
  const errors = watchPageErrors(page);
  const stamp = Date.now();
  // A location no provider holds yet, to assign below.
  const token = await adminToken(request);
  const locName = `E2E Free Lounge ${stamp}`;
  const loc = await request.post('/api/v1/admin/locations', {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      name: locName,
      country: 'POL',
      service_code: 'LOUNGE',
      postal_code: '00-001',
      city: 'Warsaw',
      time_zone: 'Europe/Warsaw',
    },
  });
  expect(loc.status()).toBe(201);

  await signIn(page, adminEmail, adminPassword());
  await expect(page).toHaveURL(atPath('/'));
  await waitForHydration(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Organisations', exact: true }).click();
  await expect(page).toHaveURL(atPath('/organisations'));
  await expect(page.getByRole('heading', { name: 'Organisations', exact: true })).toBeVisible();
  await expect(page.locator('#organisations')).toContainText('Demo Bank (Issuer)');
  await screen(page, 'organisations');

  // An issuer with its own ICA.
  const bank = `E2E Bank ${stamp}`;
  const ica = String(stamp % 100_000_000_000);
  await page.getByRole('link', { name: 'Add organisation', exact: true }).click();
  await expect(page).toHaveURL(atPath('/organisations/new'));
  await waitForHydration(page);
  await page.getByLabel('Name', { exact: true }).fill(bank);
  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Issuer' });
  await page.getByLabel('ICAs', { exact: true }).fill(ica);
  await page.getByRole('button', { name: 'Create organisation', exact: true }).click();
  await expect(page).toHaveURL(atPath(/^\/organisations\/[0-9a-f-]{36}$/));
  await expect(page.getByRole('heading', { name: bank, exact: true })).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByLabel('ICAs', { exact: true })).toHaveValue(ica);

  // Another issuer claiming the demo bank's ICA: refused, the message beside the ICAs.
  await goto(page, '/organisations/new');
  await page.getByLabel('Name', { exact: true }).fill(`E2E Copy Bank ${stamp}`);
  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Issuer' });
  await page.getByLabel('ICAs', { exact: true }).fill('1234');
  await page.getByRole('button', { name: 'Create organisation', exact: true }).click();
  await expect(page.locator('p.field-error')).toContainText(
    'ICA 1234 already belongs to the issuer Demo Bank (Issuer)',
  );
  await expect(page).toHaveURL(atPath('/organisations/new'));
  await screen(page, 'organisation-ica-conflict');

  // A service provider, then its location.
  const lounges = `E2E Lounges ${stamp}`;
  await goto(page, '/organisations/new');
  await page.getByLabel('Name', { exact: true }).fill(lounges);
  await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Service Provider' });
  await page.getByRole('button', { name: 'Create organisation', exact: true }).click();
  await expect(page).toHaveURL(atPath(/^\/organisations\/[0-9a-f-]{36}$/));
  await expect(page.getByRole('heading', { name: lounges, exact: true })).toBeVisible();
  await waitForHydration(page);
  await page
    .getByLabel('Location to assign', { exact: true })
    .selectOption({ label: `${locName} (Warsaw)` });
  await page.getByRole('button', { name: 'Assign location', exact: true }).click();
  const held = page.locator('#organisation-locations');
  await expect(held).toContainText(locName);
  await screen(page, 'organisation-provider');

  await page.getByRole('button', { name: `Unassign ${locName}`, exact: true }).click();
  await expect(held).not.toContainText(locName);

  // Deactivate, then activate again.
  await page.getByRole('button', { name: 'Deactivate organisation', exact: true }).click();
  await expect(page.locator('#organisation-status')).toContainText('Deactivated');
  await page.getByRole('button', { name: 'Activate organisation', exact: true }).click();
  await expect(page.locator('#organisation-status')).toContainText('Active');

  // Both are listed.
  await goto(page, '/organisations');
  await expect(page.locator('#organisations')).toContainText(bank);
  await expect(page.locator('#organisations')).toContainText(lounges);
  await expect(page.locator('#organisations')).toContainText(`ICA ${ica}`);

  expect(errors.map((error) => error.message)).toEqual([]);
});

test('users: the view-only User sees no Add/Save/Delete; a reset forces a new password', async ({
  page,
  request,
}) => {
  const errors = watchPageErrors(page);
  const stamp = Date.now();
  const token = await adminToken(request);
  const email = `e2e-viewer-${stamp}@example.com`;
  const first = 'Vera';
  const created = await request.post('/api/v1/admin/users', {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      first_name: first,
      last_name: `Viewer${stamp}`,
      email,
      role: 'USER',
      password: 'Viewer-passphrase-1!',
    },
  });
  expect(created.status()).toBe(201);
  const userId = (await created.json()).id as string;

  // The admin resets the password: a one-time password, shown once.
  await signIn(page, adminEmail, adminPassword());
  await expect(page).toHaveURL(atPath('/'));
  await goto(page, `/users/${userId}`);
  await expect(page.getByRole('button', { name: 'Save', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Reset password', exact: true }).click();
  const shown = page.locator('#one-time-password code');
  await expect(shown).toHaveText(/^[A-Za-z0-9]{16}$/);
  const oneTime = (await shown.textContent()) ?? '';
  await screen(page, 'user-reset');
  await page.context().clearCookies();

  // The one-time password opens only the password page.
  await signIn(page, email, oneTime);
  await expect(page).toHaveURL(atPath('/password'));
  await waitForHydration(page);
  await goto(page, '/users');
  await expect(page).toHaveURL(atPath('/password'));
  const newPassword = 'Viewer-passphrase-2!';
  await page.getByLabel('Current password', { exact: true }).fill(oneTime);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Confirm new password', { exact: true }).fill(newPassword);
  await page.getByRole('button', { name: 'Change password', exact: true }).click();
  await expect(page).toHaveURL(atPath('/'));

  // The view-only User: the list, but no Add user; a user's page without Save or Delete.
  await goto(page, '/users');
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  await expect(page.getByRole('table')).toContainText(email);
  await expect(page.getByRole('link', { name: 'Add user', exact: true })).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organisations' })).toHaveCount(0);
  await goto(page, `/users/${userId}`);
  await expect(page.getByLabel('E-mail', { exact: true })).toHaveValue(email);
  await expect(page.getByRole('button', { name: 'Save', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Delete user', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Reset password', exact: true })).toHaveCount(0);

  expect(errors.map((error) => error.message)).toEqual([]);
});
