import * as path from 'path';
import { test, expect, type Page } from '@playwright/test';

// Fleet panel completeness (issue 19): the terminal-ID inventory (import, filter, retire), and
// on a terminal's page the descriptive fields (edit), analytics, a reserved-then-assigned
// terminal ID and a collection session — all of which used to exist only in the fleet REST API.
// Run by `cargo xtask e2e -- tests/fleet_panel.spec.ts`, which starts the server with --demo.

const adminEmail = process.env.DEMO_ADMIN_EMAIL ?? 'admin@demo.example';

function adminPassword(): string {
  const password = process.env.DEMO_ADMIN_PASSWORD;
  if (!password) {
    throw new Error('DEMO_ADMIN_PASSWORD is not set (run the tests with `cargo xtask e2e`)');
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

test('fleet: inventory import and retire; a terminal edited, analysed, given an ID and a collection', async ({ page }) => {
  const errors = watchPageErrors(page);
  await signIn(page);

  // The inventory: import two IDs for one processor, find one, retire the other.
  const stamp = `${Date.now() % 100_000_000}`;
  const keep = `E2EK${stamp}`;
  const drop = `E2ED${stamp}`;
  await page.goto('/fleet/inventory?processor=upsl');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Terminal-ID inventory' })).toBeVisible();
  await page.locator('#fleet-import-processor').selectOption('upsl');
  await page.locator('#fleet-import-ids').fill(`${keep}\n${drop}`);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.locator('#fleet-import-result')).toContainText('Imported 2');
  await page.goto(`/fleet/inventory?processor=upsl&search=${drop}`);
  await waitForHydration(page);
  const dropRow = page.locator(`#inventory-table tr[data-inventory="${drop}"]`);
  await expect(dropRow).toContainText('available');
  await dropRow.locator('input[name="reason"]').fill('damaged label');
  await dropRow.getByRole('button', { name: 'Retire', exact: true }).click();
  await expect(dropRow).toContainText('retired');
  await screen(page, 'fleet-inventory');

  // An active terminal's page.
  await page.goto('/fleet?status=active');
  await waitForHydration(page);
  await page.locator('#fleet tbody tr').first().getByRole('link').first().click();
  await expect(page).toHaveURL(/\/fleet\/term_/);
  await waitForHydration(page);

  // Descriptive fields: edit the name and the contact, see them in the details.
  const name = `Gate ${stamp}`;
  await page.locator('#fleet-terminal-name').fill(name);
  await page.locator('#fleet-contact-email').fill(`ops${stamp}@demo.example`);
  await page.getByRole('button', { name: 'Save details', exact: true }).click();
  await expect(page.locator('.fleet-details')).toContainText(name);
  await expect(page.locator('#fleet-contact-email')).toHaveValue(`ops${stamp}@demo.example`);

  // Analytics of the last 30 days.
  await expect(page.locator('#fleet-analytics [data-stat="transactions"]')).toBeVisible();
  await expect(page.locator('#fleet-analytics [data-stat="success-rate"]')).toContainText('%');

  // A terminal ID from the inventory: reserve (the oldest available upsl ID), then assign.
  await page.locator('#fleet-reserve-processor').selectOption('upsl');
  await page.getByRole('button', { name: 'Reserve an ID', exact: true }).click();
  const reserved = page.locator('.fleet-assign-id-form');
  await expect(reserved).toContainText('Reserved');
  const code = ((await reserved.locator('span').textContent()) ?? '').split(' ')[1];
  await reserved.getByRole('button', { name: 'Assign to this terminal', exact: true }).click();
  await expect(page.locator('#fleet-mappings tbody tr', { hasText: code })).toHaveCount(1);

  // A collection needs an assigned terminal: assign it to a business first.
  await page.locator('#fleet-business-id').fill(`biz-${stamp}`);
  await page.locator('#fleet-business-name').fill('E2E Lounge Ltd');
  await page.locator('#fleet-assign-form').getByRole('button', { name: 'Assign', exact: true }).click();
  await expect(page.locator('.fleet-unassign-form')).toContainText('E2E Lounge Ltd');
  await page.locator('#fleet-collection-amount').fill('25.00');
  await page.locator('#fleet-collection-currency').fill('NGN');
  await page.locator('#fleet-collection-reference').fill(`ref-${stamp}`);
  await page.getByRole('button', { name: 'Prepare collection', exact: true }).click();
  const session = page.locator('#fleet-collections-table tbody tr', { hasText: `ref-${stamp}` });
  await expect(session).toHaveCount(1);
  await expect(session).toContainText('25.00 NGN');
  await expect(session).toContainText('pending');
  await screen(page, 'fleet-terminal-more');
  expect(errors).toEqual([]);
});

test('fleet: a bad collection amount is named beside its field', async ({ page }) => {
  await signIn(page);
  await page.goto('/fleet?status=active');
  await waitForHydration(page);
  await page.locator('#fleet tbody tr').first().getByRole('link').first().click();
  await expect(page).toHaveURL(/\/fleet\/term_/);
  await waitForHydration(page);
  await page.locator('#fleet-collection-amount').fill('lots');
  await page.getByRole('button', { name: 'Prepare collection', exact: true }).click();
  await expect(page.locator('#fleet-collection-form .field-error').first()).toBeVisible();
});
