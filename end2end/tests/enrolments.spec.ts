import { test, expect, type Page } from '@playwright/test';

// Enrolled cards: "Import enrolments" (masked preview, per-line errors, the report), then the
// card's details with its status and enrolment history, and "Unenrol".

const adminEmail = process.env.DEMO_ADMIN_EMAIL ?? 'admin@demo.example';

function adminPassword(): string {
  const password = process.env.DEMO_ADMIN_PASSWORD;
  if (!password) {
    throw new Error('DEMO_ADMIN_PASSWORD is not set (run the tests with `cargo xtask test`)');
  }
  return password;
}

async function waitForHydration(page: Page): Promise<void> {
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached' });
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('E-mail', { exact: true }).fill(adminEmail);
  await page.getByLabel('Password', { exact: true }).fill(adminPassword());
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/');
}

/** A Luhn-valid PAN in the demo BIN table's range (541234xx, ICA 1234, MCW). */
function luhnPan(body15: string): string {
  for (let c = 0; c < 10; c++) {
    const pan = body15 + c;
    let sum = 0;
    for (let i = 0; i < pan.length; i++) {
      let d = Number(pan[pan.length - 1 - i]);
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    if (sum % 10 === 0) return pan;
  }
  throw new Error('unreachable');
}

test('an operator imports enrolments, sees the card and unenrols it', async ({ page }) => {
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  const stamp = String(Date.now()).slice(-9);
  const pan = luhnPan(`541234${stamp}`);
  const aref = `E2E-${stamp}`;
  await signIn(page);
  await page.goto('/cards');
  await waitForHydration(page);

  await page.getByText('Import enrolments', { exact: true }).first().click();
  const text = page.getByLabel('…or paste the lines');

  // A bad line: nothing imported, the line and column named, no PAN echoed.
  await text.fill(`pan,aref,enrolled_at\n${pan},${aref},2026-11-01\n4111111111111112,BAD,2026-11-01\n`);
  const preview = page.getByRole('table', { name: 'Preview' });
  await expect(preview).toContainText(`541234******${pan.slice(-4)}`);
  await expect(preview).toContainText('not a valid PAN');
  await expect(preview).not.toContainText(pan);
  await page.getByRole('button', { name: 'Import enrolments', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'line[3].pan' })).toBeVisible();

  // The good file.
  await text.fill(`pan,aref,enrolled_at\n${pan},${aref},2026-11-01\n`);
  await page.getByRole('button', { name: 'Import enrolments', exact: true }).click();
  await expect(page.locator('p.notice[role=status]')).toContainText('Imported: 1 enrolled, 0 updated, 0 unenrolled, 0 unchanged.');

  // Listed; its details show the status and history.
  await page.goto(`/cards?aref=${aref}`);
  await waitForHydration(page);
  const row = page.getByRole('row').filter({ hasText: aref });
  await expect(row).toContainText('Enrolled');
  await row.getByRole('link').first().click();
  await expect(page.getByRole('heading', { name: 'Card details' })).toBeVisible();
  await waitForHydration(page);
  const history = page.locator('table.history');
  await expect(history).toContainText('ENROLLED');
  await expect(history).toContainText('csv');
  await expect(page.locator('table.details')).not.toContainText(pan);

  await page.getByRole('button', { name: 'Unenrol', exact: true }).click();
  await expect(history).toContainText('UNENROLLED');
  await expect(page.locator('table.details')).toContainText('Unenrolled');
  await expect(page.getByRole('button', { name: 'Unenrol', exact: true })).toHaveCount(0);
  expect(errors).toEqual([]);
});
