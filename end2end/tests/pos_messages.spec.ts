import { test, expect, type Page } from '@playwright/test';

// POS messages (issue 19): an Admin edits the text a reject code sends to terminals in one
// language; the preview (the same choice the POS API makes from a terminal's Accept-Language)
// serves it to a German terminal, English terminals keep the built-in text, and a reset brings
// the default back. Run by `cargo xtask e2e`, which starts the server with --demo.

const adminEmail = process.env.DEMO_ADMIN_EMAIL ?? 'admin@demo.example';

function adminPassword(): string {
  const password = process.env.DEMO_ADMIN_PASSWORD;
  if (!password) {
    throw new Error('DEMO_ADMIN_PASSWORD is not set (run the tests with `cargo xtask e2e`)');
  }
  return password;
}

async function waitForHydration(page: Page): Promise<void> {
  // A debug WASM bundle on a loaded machine can take a while to start.
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 60_000 });
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('E-mail', { exact: true }).fill(adminEmail);
  await page.getByLabel('Password', { exact: true }).fill(adminPassword());
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/');
}

async function preview(page: Page, lang: string, accept: string): Promise<string> {
  await page.goto(`/pos-messages?lang=${lang}&code=LIMIT_EXCEEDED&accept=${encodeURIComponent(accept)}`);
  await waitForHydration(page);
  return (await page.locator('#pos-preview .terminal-screen').textContent()) ?? '';
}

test('an edited German message is served to German terminals, then reset', async ({ page }) => {
  test.setTimeout(180_000);
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  await signIn(page);
  const builtIn = 'The usage limit for this card is exceeded.';
  const german = `Das Nutzungslimit dieser Karte ist erreicht (${Date.now()}).`;

  await page.goto('/pos-messages?lang=de');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'POS messages' })).toBeVisible();
  const row = page.locator('#pos-messages tr').filter({ has: page.locator('code', { hasText: /^LIMIT_EXCEEDED$/ }) });
  // Before any edit, German falls back to the English text.
  await expect(row.getByRole('cell').nth(2)).toHaveText('English (no text yet)');
  await row.getByLabel('Message for LIMIT_EXCEEDED').fill(german);
  await row.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(row.getByRole('cell').nth(2)).toHaveText(/^set \d{4}-\d{2}-\d{2}/);
  await expect(row.getByLabel('Message for LIMIT_EXCEEDED')).toHaveValue(german);

  // What terminals get: German for a German terminal, the built-in text for others.
  await expect.poll(() => preview(page, 'de', 'de-DE,de;q=0.9,en;q=0.5')).toBe(german);
  await expect(page.locator('#pos-preview')).toContainText('Content-Language: de');
  expect(await preview(page, 'de', 'en-GB')).toBe(builtIn);
  expect(await preview(page, 'de', 'fr-FR,fr;q=0.9')).toBe(builtIn);

  // A too-long message is refused, named, and nothing changes.
  await page.goto('/pos-messages?lang=de');
  await waitForHydration(page);
  const input = row.getByLabel('Message for LIMIT_EXCEEDED');
  await input.evaluate((el) => el.removeAttribute('maxlength'));
  await input.fill('x'.repeat(201));
  await row.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('.field-error').first()).toContainText('message');
  expect(await preview(page, 'de', 'de')).toBe(german);

  // Reset: the German terminal is back to the English default.
  await page.goto('/pos-messages?lang=de');
  await waitForHydration(page);
  await row.getByRole('button', { name: 'Reset to default' }).click();
  await expect(row.getByRole('cell').nth(2)).toHaveText('English (no text yet)');
  expect(await preview(page, 'de', 'de-DE')).toBe(builtIn);
  expect(errors).toEqual([]);
});
