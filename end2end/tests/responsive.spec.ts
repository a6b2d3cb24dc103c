import { test, expect, type Page } from '@playwright/test';

// Issue 18, phones and accessibility: every main screen at a desktop (1440 px) and a phone
// (390 px) width has no horizontal scrolling of the page (wide tables scroll in their own box),
// the phone folds the navigation behind a Menu button, table headers are readable (contrast
// at least 4.5:1), a skip-to-content link comes first, and sub-pages keep their section
// highlighted in the navigation. Run by `cargo xtask e2e`, which starts the server with --demo.

const adminEmail = process.env.DEMO_ADMIN_EMAIL ?? 'admin@demo.example';
const RULESET = '00000000-0000-4000-8000-0000000000b3';
const LOCATION = '00000000-0000-4000-8000-0000000000a1';

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

const screens = [
  '/',
  '/users',
  '/users/new',
  '/organisations',
  '/rules',
  '/rules/new',
  `/rules/${RULESET}`,
  '/locations',
  '/locations/new',
  `/locations/${LOCATION}`,
  '/operations',
  '/cards',
  '/data',
  '/terms',
  '/fleet',
  '/fleet/inventory',
  '/audit',
  '/pos-messages',
];

/** How far the page itself scrolls sideways (0 = not at all). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const el = document.scrollingElement ?? document.documentElement;
    return el.scrollWidth - window.innerWidth;
  });
}

for (const [width, height] of [
  [1440, 900],
  [390, 844],
]) {
  test(`no screen scrolls sideways at ${width} px`, async ({ page }) => {
  test.setTimeout(180_000);
    await page.setViewportSize({ width, height });
    await signIn(page);
    // An operation's details too (the widest tables).
    await page.goto('/operations');
    await waitForHydration(page);
    const first = page.locator('table.grid tbody a[href^="/operations/"]').first();
    const all = [...screens];
    if ((await first.count()) > 0) {
      all.push((await first.getAttribute('href')) ?? '/operations');
    }
    const wide: string[] = [];
    for (const path of all) {
      await page.goto(path);
      await waitForHydration(page);
      const excess = await overflow(page);
      if (excess > 0) {
        wide.push(`${path}: ${excess} px too wide`);
      }
    }
    expect(wide).toEqual([]);
  });
}

test('phones fold the navigation; every width has a skip link and readable table headers', async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  await page.goto('/rules');
  await waitForHydration(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toBeHidden();
  const menu = page.getByRole('button', { name: 'Menu', exact: true });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expect(nav.getByRole('link', { name: 'Operations', exact: true })).toBeVisible();
  await nav.getByRole('link', { name: 'Operations', exact: true }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/operations');
  await expect(nav).toBeHidden();

  // The first Tab reaches "Skip to content", which moves focus to the page's content.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/rules');
  await waitForHydration(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#content')).toBeFocused();

  // Table headers: contrast of the text against its background, WCAG's formula.
  const ratio = await page.locator('table.grid th').first().evaluate((th) => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
      };
      return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const style = getComputedStyle(th);
    const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
  expect(ratio).toBeGreaterThanOrEqual(4.5);
});

test('sub-pages keep their section highlighted in the navigation', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [path, section] of [
    [`/rules/${RULESET}`, 'Rules'],
    [`/locations/${LOCATION}`, 'Locations'],
    ['/users/new', 'Users'],
    ['/fleet/inventory', 'Fleet'],
  ]) {
    await page.goto(path);
    await waitForHydration(page);
    await expect(nav.getByRole('link', { name: section, exact: true }), path).toHaveAttribute('aria-current', 'page');
    await expect(nav.getByRole('link', { name: 'Dashboard', exact: true }), path).not.toHaveAttribute('aria-current', 'page');
  }
});
