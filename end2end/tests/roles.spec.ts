import { test, expect, type Page, type APIRequestContext } from '@playwright/test';

// Issue 18: each role sees only the actions it may use. For every role a fresh user signs in
// and walks the screens; each screen has an action the role may use (so the page is known to
// have decided, not just to be slow) and the actions it may not use are absent. Direct
// addresses of forms the role may not use answer with the designed 403 page, not the form.
// Run by `cargo xtask e2e`, which starts the server with --demo.

const adminEmail = process.env.DEMO_ADMIN_EMAIL ?? 'admin@demo.example';
const ISSUER_TENANT = '00000000-0000-4000-8000-000000000001';
const PROVIDER_TENANT = '00000000-0000-4000-8000-000000000002';
const WAW_LOUNGE = '00000000-0000-4000-8000-0000000000a1';
const PASSWORD = 'Role-passphrase-18!';

function adminPassword(): string {
  const password = process.env.DEMO_ADMIN_PASSWORD;
  if (!password) {
    throw new Error('DEMO_ADMIN_PASSWORD is not set (run the tests with `cargo xtask e2e`)');
  }
  return password;
}

// `text`: a control without a button role (the import's <summary> that opens its form).
type Control = { role: 'link' | 'button' | 'text'; name: string };
type Screen = { path: string; present?: Control[]; absent?: Control[]; forbidden?: boolean };
type Walk = { role: string; tenant?: string; nav: { shown: string[]; hidden: string[] }; screens: Screen[] };

const link = (name: string): Control => ({ role: 'link', name });
const button = (name: string): Control => ({ role: 'button', name });
const text = (name: string): Control => ({ role: 'text', name });

const walks: Walk[] = [
  {
    role: 'USER',
    nav: { shown: ['Users', 'Rules', 'Locations', 'Operations'], hidden: ['Organisations', 'Fleet', 'Audit log', 'POS messages'] },
    screens: [
      { path: '/users', present: [button('Filter')], absent: [link('Add user')] },
      { path: '/users/new', forbidden: true },
      { path: '/organisations/new', forbidden: true },
      { path: '/rules', present: [link('Add rule')] },
      { path: '/cards', present: [button('Filter')], absent: [text('Import enrolments')] },
      { path: '/audit', forbidden: true },
    ],
  },
  {
    role: 'CALL_CENTER',
    nav: { shown: ['Rules', 'Locations', 'Operations', 'Enrolled cards', 'BIN & FX'], hidden: ['Users', 'Organisations', 'Fleet'] },
    screens: [
      { path: '/operations', present: [button('Filter')], absent: [link('CSV'), link('XLSX')] },
      { path: '/rules', present: [button('Filter')], absent: [link('Add rule')] },
      { path: '/rules/new', forbidden: true },
      { path: '/locations', present: [button('Filter')], absent: [link('Add location')] },
      { path: '/locations/new', forbidden: true },
      {
        path: `/locations/${WAW_LOUNGE}`,
        present: [button('Try the card')],
        absent: [link('Edit'), button('Add terminal'), button('Delete location'), button('Get pairing code'), button('Unpair'), button('Delete')],
      },
      { path: '/cards', present: [button('Filter')], absent: [text('Import enrolments')] },
      { path: '/data', present: [button('Filter')], absent: [button('Import BIN ranges'), button('Import FX rates'), button('Save')] },
      { path: '/terms', absent: [button('Upload')] },
      { path: '/users', forbidden: true },
    ],
  },
  {
    role: 'ISSUER',
    tenant: ISSUER_TENANT,
    nav: { shown: ['Rules', 'Locations', 'Operations', 'Enrolled cards'], hidden: ['Users', 'Organisations', 'Fleet', 'Audit log'] },
    screens: [
      { path: '/rules', present: [link('Add rule')] },
      { path: '/locations', present: [button('Filter')], absent: [link('Add location')] },
      { path: '/locations/new', forbidden: true },
      { path: '/operations', present: [link('CSV')] },
      { path: '/cards', present: [text('Import enrolments')] },
      { path: '/data', present: [button('Filter')], absent: [button('Import BIN ranges'), button('Import FX rates')] },
      { path: '/terms', absent: [button('Upload')] },
    ],
  },
  {
    role: 'SERVICE_PROVIDER',
    tenant: PROVIDER_TENANT,
    nav: { shown: ['Rules', 'Locations', 'Operations'], hidden: ['Users', 'Enrolled cards', 'Fleet'] },
    screens: [
      { path: '/rules', present: [button('Filter')], absent: [link('Add rule')] },
      { path: '/rules/new', forbidden: true },
      { path: '/locations', present: [link('Add location')] },
      { path: '/operations', present: [link('CSV')] },
      { path: '/cards', forbidden: true },
      { path: '/data', present: [button('Filter')], absent: [button('Import BIN ranges')] },
    ],
  },
];

async function waitForHydration(page: Page): Promise<void> {
  // A debug WASM bundle on a loaded machine can take a while to start.
  await page.locator('body[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 60_000 });
}

/** The frame has the role: every role-dependent action has been shown or left out. */
async function waitForCaps(page: Page): Promise<void> {
  await waitForHydration(page);
  await page.locator('body[data-caps="ready"]').waitFor({ state: 'attached' });
}

async function adminToken(request: APIRequestContext): Promise<string> {
  const resp = await request.post('/api/v1/auth/token', {
    data: { email: adminEmail, password: adminPassword() },
  });
  expect(resp.status()).toBe(200);
  return (await resp.json()).access_token as string;
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/' || url.pathname === '/consent');
  // Issuers accept the current documents first (when the demo has any).
  if (new URL(page.url()).pathname === '/consent') {
    await waitForHydration(page);
    for (const box of await page.locator('input[type="checkbox"]').all()) {
      await box.check();
    }
    await page.getByRole('button', { name: 'Accept and continue', exact: true }).click();
    await expect(page).toHaveURL((url) => url.pathname === '/');
  }
}

for (const walk of walks) {
  test(`${walk.role} sees only the actions it may use`, async ({ page, request }) => {
  test.setTimeout(180_000);
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    const token = await adminToken(request);
    const email = `e2e-${walk.role.toLowerCase()}-${Date.now()}@example.com`;
    const created = await request.post('/api/v1/admin/users', {
      headers: { Authorization: `Bearer ${token}` },
      data: {
        first_name: 'Rola',
        last_name: walk.role,
        email,
        role: walk.role,
        tenant_id: walk.tenant,
        password: PASSWORD,
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    await signIn(page, email);

    await waitForCaps(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const name of walk.nav.shown) {
      await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
    }
    for (const name of walk.nav.hidden) {
      await expect(nav.getByRole('link', { name, exact: true })).toHaveCount(0);
    }

    for (const screen of walk.screens) {
      const resp = await page.goto(screen.path);
      await waitForCaps(page);
      const where = `${walk.role} ${screen.path}`;
      if (screen.forbidden) {
        await expect(page.getByRole('heading', { name: 'No access to this page' }), where).toBeVisible();
        await expect(page.getByRole('link', { name: 'Back to the dashboard' }), where).toBeVisible();
        // List screens keep their filter form in the page, hidden behind the refusal.
        await expect(page.locator('main form:visible'), where).toHaveCount(0);
        // The forms' own addresses answer 403; list screens are refused by their data.
        if (screen.path.endsWith('/new')) {
          expect(resp?.status(), where).toBe(403);
        }
        continue;
      }
      const main = page.locator('main');
      const find = (c: Control) =>
        c.role === 'text' ? main.getByText(c.name, { exact: true }) : main.getByRole(c.role, { name: c.name, exact: true });
      for (const c of screen.present ?? []) {
        await expect(find(c).first(), where).toBeVisible();
      }
      for (const c of screen.absent ?? []) {
        await expect(find(c), `${where}: ${c.name}`).toHaveCount(0);
      }
    }
    expect(errors.map((e) => e.message)).toEqual([]);
  });
}
