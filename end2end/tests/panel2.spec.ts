import * as path from 'path';
import { test, expect, type Page } from '@playwright/test';

// Admin panel II: operations list (filters kept in the URL, live refresh, export links),
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
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
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
  await expect(page.getByText('Entries per hour of day (UTC)')).toBeVisible();
  await screen(page, 'panel2-dashboard');
  expect(errors).toEqual([]);
});

test('operations: filters in the URL, live note, export downloads a file', async ({ page }) => {
  const errors = watchPageErrors(page);
  await signIn(page);
  await page.goto('/operations');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Operations' })).toBeVisible();
  await expect(page.getByText('Live: refreshed every 5 s')).toBeVisible();
  await page.getByLabel('BIN').fill('541234');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page).toHaveURL(/bin=541234/);
  await expect(page.getByText(/operations · page 1 of/)).toBeVisible();
  await screen(page, 'panel2-operations');

  const downloadPromise = page.waitForEvent('download');
  await page.locator('a', { hasText: 'CSV' }).first().click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe('operations-summary.csv');
  expect(errors).toEqual([]);
});

test('enrolled cards list with filters', async ({ page }) => {
  const errors = watchPageErrors(page);
  await signIn(page);
  await page.goto('/cards?product=MCW');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Enrolled cards' })).toBeVisible();
  await expect(page.getByText(/cards · page 1 of/)).toBeVisible();
  await screen(page, 'panel2-cards');
  expect(errors).toEqual([]);
});
