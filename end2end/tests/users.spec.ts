import * as path from 'path';
import { test, expect, type Page } from '@playwright/test';

// The foundation's browser test: server render + hydration, sign-in, and the user list with
// its create form and filter. Run by `cargo xtask test`, which starts the server with --demo
// and passes BASE_URL, DEMO_ADMIN_EMAIL and DEMO_ADMIN_PASSWORD.

const adminEmail = process.env.DEMO_ADMIN_EMAIL ?? 'admin@demo.example';

function adminPassword(): string {
  const password = process.env.DEMO_ADMIN_PASSWORD;
  if (!password) {
    throw new Error('DEMO_ADMIN_PASSWORD is not set (run the tests with `cargo xtask test`)');
  }
  return password;
}

/** Fails the test on any uncaught exception in the page (a WASM panic included). */
function watchPageErrors(page: Page): Error[] {
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  return errors;
}

/** The WASM bundle sets <body data-hydrated="true"> once it has hydrated the server's HTML. */
async function waitForHydration(page: Page): Promise<void> {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
}

function atPath(pathname: string): (url: URL) => boolean {
  return (url) => url.pathname === pathname;
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  const emailInput = page.getByLabel('E-mail', { exact: true });
  const passwordInput = page.getByLabel('Password', { exact: true });
  await expect(emailInput).toHaveAttribute('id', 'email');
  await expect(passwordInput).toHaveAttribute('id', 'password');
  await emailInput.fill(email);
  await passwordInput.fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('admin signs in, creates a user and finds it with the filter', async ({ page }) => {
  const errors = watchPageErrors(page);
  const password = adminPassword();

  // Signed out: `/` sends us to the sign-in page, rendered by the server, then hydrated.
  await page.goto('/');
  await expect(page).toHaveURL(atPath('/login'));
  await waitForHydration(page);
  await signIn(page, adminEmail, password);

  // The dashboard and its navigation.
  await expect(page).toHaveURL(atPath('/'));
  const nav = page
    .getByRole('navigation')
    .filter({ has: page.getByRole('link', { name: 'Users', exact: true }) });
  for (const name of [
    'Users',
    'Rules',
    'Locations',
    'Operations',
    'Enrolled cards',
    'Terms & Conditions',
  ]) {
    await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
  }

  // The user list.
  await nav.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page).toHaveURL(atPath('/users'));
  await expect(page.getByRole('heading', { name: 'Users', exact: true })).toBeVisible();
  const table = page.getByRole('table');
  await expect(table).toContainText(adminEmail);

  // A new user.
  const newEmail = `e2e-${Date.now()}@example.com`;
  await page.getByRole('link', { name: 'Add user', exact: true }).click();
  await expect(page).toHaveURL(atPath('/users/new'));
  await page.getByLabel('First name', { exact: true }).fill('Eve');
  await page.getByLabel('Last name', { exact: true }).fill('Tester');
  await page.getByLabel('E-mail', { exact: true }).fill(newEmail);
  const role = page.getByLabel('Role', { exact: true });
  await role.selectOption({ label: 'User' });
  await expect(role).toHaveValue('USER');
  await page.getByLabel('Password', { exact: true }).fill('Str0ng-passphrase!');
  await page.getByRole('button', { name: 'Create user', exact: true }).click();

  await expect(page).toHaveURL(atPath('/users'));
  await expect(table).toContainText(newEmail);

  // Stored, not just shown: still listed after a full reload (server render again).
  await page.reload();
  await waitForHydration(page);
  await expect(table).toContainText(newEmail);
  await expect(table).toContainText(adminEmail);

  // The filter narrows the list to that one user and is kept in the URL.
  await page.getByLabel('E-mail filter', { exact: true }).fill(newEmail);
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page).toHaveURL((url) => url.searchParams.get('email') === newEmail);
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table.locator('tbody tr')).toContainText(newEmail);

  await page.screenshot({
    path: path.join(test.info().project.outputDir, 'screens', 'users.png'),
    fullPage: true,
  });

  expect(errors.map((error) => error.message)).toEqual([]);
});

test('a wrong password shows an error and stays on the sign-in page', async ({ page }) => {
  const errors = watchPageErrors(page);

  await page.goto('/login');
  await waitForHydration(page);
  await signIn(page, adminEmail, `${adminPassword()}-wrong`);

  await expect(page.getByText('Invalid e-mail or password').first()).toBeVisible();
  await expect(page).toHaveURL(atPath('/login'));

  expect(errors.map((error) => error.message)).toEqual([]);
});
