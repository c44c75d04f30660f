// The web app in a real browser against `npm start`: sign up, live offers and a price changing,
// filters and sort in the URL, the deploy flow to running and a stop, API keys, the session surviving
// a reload through its cookie, and sign-out. Each page is also screenshotted at desktop and phone width.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, screenshots, type Browser } from './browser';
import { startAppStack, type AppStack } from './app-stack';

let stack: AppStack;
let browser: Browser;
let page: Page;
const email = `e2e-${Date.now()}@example.com`;
const password = 'a long enough passphrase';
let lastIngestionAt: Date;

/** The text of the price cells of the market table, by offer id. */
async function marketPrices(): Promise<Map<string, string>> {
  const rows = await page.locator('market-page tbody tr[data-offer]').evaluateAll((trs) =>
    trs.map((tr) => [tr.getAttribute('data-offer')!, tr.querySelector('[data-col="gpuHour"]')?.textContent?.trim() ?? ''] as const),
  );
  return new Map(rows);
}

/** Waits until the wall clock is in a later minute than `t`: the simulator reprices on minute boundaries. */
async function nextMinuteAfter(t: Date): Promise<void> {
  const next = (Math.floor(t.getTime() / 60_000) + 1) * 60_000 + 1500;
  const wait = next - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

beforeAll(async () => {
  stack = await startAppStack();
  browser = await launch();
  page = browser.page;
  lastIngestionAt = new Date((await stack.lastIngestion())!.startedAt);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the web app against npm start', () => {
  it('serves the app at / with a CSP and security headers, on the page and on its JavaScript', async () => {
    const res = await fetch(`${stack.base}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${stack.base}${js}`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('content-security-policy')).toBe(csp);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // Client routes get the app; the API's paths still reach the Worker.
    expect((await fetch(`${stack.base}/market?gpu=H100`)).headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(`${stack.base}/v1/plans`)).headers.get('content-type')).toBe('application/json');
    expect((await fetch(`${stack.base}/v1/nothing`)).headers.get('content-type')).toBe('application/problem+json');
    expect((await fetch(`${stack.base}/openapi.json`)).status).toBe(200);
    expect((await fetch(`${stack.base}/.well-known/jwks.json`)).status).toBe(200);
  });

  it('landing: a live ticker of the cheapest price per model, and the plans', async () => {
    await page.goto(`${stack.base}/`);
    await page.locator('landing-page .tick [data-price]').first().waitFor();
    expect(await page.locator('landing-page .tick [data-price]').count()).toBeGreaterThanOrEqual(6);
    await page.locator('landing-page [data-plan="free"]').waitFor();
    expect(await page.locator('landing-page [data-plan]').count()).toBe(5);
    await expect.poll(() => page.locator('landing-page .eyebrow').textContent()).toContain('Live prices');
    await screenshots(page, 'landing');
  });

  it('signs up, shows the first API key once, and keeps no token in web storage', async () => {
    await page.goto(`${stack.base}/signup`);
    await page.getByLabel('Organization').fill('Browser Test Labs');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await screenshots(page, 'signup');
    await page.getByRole('button', { name: 'Create account' }).click();
    const key = page.locator('auth-page [data-testid="first-key"]');
    await key.waitFor();
    expect(await key.textContent()).toMatch(/^gpb_live_/);
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(storage).not.toMatch(/eyJ|gpb_live_/);
    const cookie = (await browser.context.cookies(stack.base)).find((c) => c.name === '__Host-gpb_session');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('gpb_session');
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL(`${stack.base}/app`);
    await page.locator('app-overview [data-testid="spend"]').waitFor();
  });

  it('a reload keeps the session (refresh through the httpOnly cookie)', async () => {
    const before = (await browser.context.cookies(stack.base)).find((c) => c.name === '__Host-gpb_session')!.value;
    await page.reload();
    await page.locator('gpb-app .who .tenant').waitFor();
    expect(await page.locator('gpb-app .who .tenant').textContent()).toBe('Browser Test Labs');
    await page.locator('app-overview [data-testid="spend"]').waitFor();
    const after = (await browser.context.cookies(stack.base)).find((c) => c.name === '__Host-gpb_session')!.value;
    expect(after).not.toBe(before); // rotated
  });

  it('market: live offers, and a price changing in place after an ingestion', async () => {
    await page.goto(`${stack.base}/market`);
    await page.locator('market-page tbody tr[data-offer]').nth(20).waitFor();
    await expect.poll(() => page.locator('market-page .status').textContent()).toContain('Live');
    await screenshots(page, 'market', { fullPage: false });
    const before = await marketPrices();
    const order = [...before.keys()];
    await nextMinuteAfter(lastIngestionAt);
    lastIngestionAt = await stack.cron();
    // A changed row is marked (and flashed) where it stands; no row moves.
    await page.locator('market-page tbody tr[data-changed-at]').first().waitFor({ timeout: 20_000 });
    const after = await marketPrices();
    const changed = [...after].filter(([id, price]) => before.has(id) && before.get(id) !== price);
    expect(changed.length).toBeGreaterThan(0);
    expect([...after.keys()].slice(0, order.length)).toEqual(order);
  });

  it('market: filters and sort go to the URL, and a reload keeps them', async () => {
    await page.locator('market-page summary', { hasText: 'GPU model' }).click();
    await page.locator('market-page input[name="gpu"][value="H100-80GB"]').check();
    await page.locator('market-page summary', { hasText: 'GPU model' }).click();
    await page.locator('market-page .chip', { hasText: 'On-demand' }).click();
    await page.locator('market-page button[data-sort="price"]').click();
    await page.waitForURL(/sort=price/);
    const url = new URL(page.url());
    expect(url.searchParams.get('gpu')).toBe('H100-80GB');
    expect(url.searchParams.get('pricing')).toBe('on_demand');
    expect(url.searchParams.get('sort')).toBe('price');
    const read = async () => {
      await page.locator('market-page tbody tr[data-offer]').first().waitFor();
      await expect.poll(() => page.locator('market-page .table-wrap').getAttribute('aria-busy')).toBe('false');
      return page.locator('market-page tbody tr[data-offer]').evaluateAll((trs) =>
        trs.map((tr) => ({ gpu: tr.querySelector('td.gpu a')!.textContent!.trim(), pricing: tr.children[6]!.textContent!.trim(), hour: Number(tr.querySelector('[data-col="hour"]')!.textContent!.replace(/[$,]/g, '')) })),
      );
    };
    const rows = await read();
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.gpu))).toEqual(new Set(['H100-80GB']));
    expect(new Set(rows.map((r) => r.pricing))).toEqual(new Set(['On-demand']));
    expect(rows.map((r) => r.hour)).toEqual([...rows.map((r) => r.hour)].sort((a, b) => a - b));
    await screenshots(page, 'market-filtered', { fullPage: false });
    await page.reload();
    expect(page.url()).toBe(url.toString());
    expect(await page.locator('market-page input[name="gpu"][value="H100-80GB"]').isChecked()).toBe(true);
    expect((await read()).map((r) => r.hour)).toEqual(rows.map((r) => r.hour));
    expect(await page.locator('market-page th[aria-sort="ascending"]').textContent()).toContain('$ / h');
  });

  it('GPU detail: specs, market summary and the price history chart', async () => {
    await page.goto(`${stack.base}/gpus/H100`);
    await page.locator('gpu-page [data-testid="min-price"]').filter({ hasText: '$' }).waitFor();
    expect(await page.locator('gpu-page h1').textContent()).toBe('H100-80GB');
    await page.locator('gpu-page gpb-price-chart canvas').waitFor();
    await page.locator('gpu-page .tab', { hasText: '7d' }).click();
    await page.locator('gpu-page gpb-price-chart canvas').waitFor();
    expect(await page.locator('gpu-page .tab[aria-pressed="true"]').textContent()).toBe('7d');
    await screenshots(page, 'gpu');
  });

  let deploymentUrl = '';

  it('deploys on a sim offer: review shows the quoted price and estimate, then the pod reaches running', async () => {
    await page.goto(`${stack.base}/market?gpu=RTX-4090&pricing=on_demand`);
    const deploy = page.locator('market-page tbody tr[data-offer] a', { hasText: 'Deploy' }).first();
    await deploy.click();
    await page.waitForURL(/\/deploy\/ofr_/);
    await page.locator('deploy-page [data-testid="quoted-price"]').waitFor();
    const quoted = (await page.locator('deploy-page [data-testid="quoted-price"]').textContent())!.trim();
    await page.getByLabel('Variable 1 name').fill('HF_TOKEN');
    await page.getByLabel('Variable 1 value (secret)').fill('hf_secret_value');
    expect(await page.getByLabel('Variable 1 value (secret)').getAttribute('type')).toBe('password');
    await page.locator('deploy-page input[name="maxHours"]').fill('2');
    await screenshots(page, 'deploy');
    await page.getByRole('button', { name: 'Review deployment' }).click();
    expect((await page.locator('deploy-page [data-testid="review-price"]').textContent())!.replace('/h', '').trim()).toBe(quoted);
    // The estimate is 2 h at the exact quoted price (the display rounds the price, not the estimate).
    const offer = (await (await fetch(`${stack.base}/v1/offers/${page.url().split('/').pop()}`)).json()) as { pricePerHourUsd: number };
    expect(await page.locator('deploy-page [data-testid="review-estimate"]').textContent()).toBe(`$${(Math.round(offer.pricePerHourUsd * 2 * 100) / 100).toFixed(2)}`);
    await screenshots(page, 'deploy-review');
    await page.getByRole('button', { name: /^Deploy for/ }).click();
    await page.waitForURL(/\/deployments\/dep_/);
    deploymentUrl = page.url();
    await expect.poll(() => page.locator('deployment-page [data-status]').getAttribute('data-status'), { timeout: 60_000, interval: 500 }).toBe('running');
    await page.locator('deployment-page [data-testid="ssh"]').waitFor();
    const text = await page.locator('deployment-page .page').innerText();
    expect(text).toContain('rtx-4090');
    expect(text).not.toContain('hf_secret_value');
    await screenshots(page, 'deployment-running');
  });

  it('stops the deployment from its page', async () => {
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.locator('deployment-page [data-status]').getAttribute('data-status'), { timeout: 60_000, interval: 500 }).toBe('stopped');
    expect(await page.getByRole('button', { name: 'Start' }).isVisible()).toBe(true);
    await screenshots(page, 'deployment-stopped');
    await page.goto(`${stack.base}/app/deployments`);
    const row = page.locator(`app-deployments tr[data-deployment="${deploymentUrl.split('/').pop()}"]`);
    await row.waitFor();
    expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('stopped');
    await screenshots(page, 'dashboard-deployments');
  });

  it('creates an API key (shown once, works), then revokes it (refused from then on)', async () => {
    await page.goto(`${stack.base}/app/keys`);
    await page.locator('app-keys tbody tr[data-key]').first().waitFor();
    await page.getByLabel('Name').fill('CI deploys');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.locator('app-keys [data-testid="new-key"]');
    await shown.waitFor();
    const key = (await shown.textContent())!.trim();
    expect(key).toMatch(/^gpb_live_/);
    expect((await fetch(`${stack.base}/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    await screenshots(page, 'dashboard-keys');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await shown.count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke CI deploys' }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.locator('app-keys tr.revoked', { hasText: 'CI deploys' }).waitFor();
    expect((await fetch(`${stack.base}/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });

  it('dashboard: overview, members, plan and audit log render', async () => {
    await page.goto(`${stack.base}/app`);
    await page.locator('app-overview [data-testid="spend"]').waitFor();
    await screenshots(page, 'dashboard');
    await page.getByRole('link', { name: 'Members' }).click();
    await page.locator('app-members tr[data-member]', { hasText: email }).waitFor();
    await screenshots(page, 'dashboard-members');
    await page.getByRole('link', { name: 'Plan' }).click();
    await page.locator('app-plan [data-testid="plan-name"]').waitFor();
    expect(await page.locator('app-plan [data-testid="plan-name"]').textContent()).toBe('Free');
    await screenshots(page, 'dashboard-plan');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('app-audit tbody tr').filter({ hasText: 'api_key.revoke' }).first().waitFor();
    await screenshots(page, 'dashboard-audit');
  });

  it('signs out: the cookie is cleared and a reload stays signed out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('gpb-app a', { hasText: 'Sign in' }).first().waitFor();
    expect((await browser.context.cookies(stack.base)).find((c) => c.name === '__Host-gpb_session')).toBeUndefined();
    await page.goto(`${stack.base}/app`);
    await page.waitForURL(/\/login\?next=%2Fapp/);
    await screenshots(page, 'login');
  });

  it('logged no page errors and no Content-Security-Policy violations', () => {
    expect(browser.problems).toEqual([]);
  });
});
