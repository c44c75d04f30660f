// The web app in a real browser against `npm start`: sign up, live offers and a price changing,
// filters and sort in the URL, a recommendation and the assistant, adding credit through the local
// payments sandbox (credited once, also when its webhook is replayed), the deploy flow to running and a
// stop, API keys, price alerts with a signed webhook delivery, a plan change, invoices, the admin page,
// the session surviving a reload through its cookie, and sign-out. Each page is also screenshotted at
// desktop and phone width (e2e/screenshots/).
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launch, phoneOverflows, screenshots, type Browser } from './browser';
import { freePort } from '../net';
import { startAppStack, type AppStack } from './app-stack';

let stack: AppStack;
let browser: Browser;
let page: Page;
const email = `e2e-${Date.now()}@example.com`;
const password = 'a long enough passphrase';
let lastIngestionAt: Date;
/** The first API key, shown once at sign-up: the test reads the API with it, as the user could. */
let apiKey = '';

/** A GET of the API as the e2e user (through their API key). */
async function apiGet<T>(path: string): Promise<T> {
  const res = await fetch(`${stack.base}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

interface Balance {
  balanceUsd: number;
  availableUsd: number;
  marginPercent: number;
}
interface LedgerTxn {
  id: string;
  kind: string;
  amountUsd: number;
  paymentId?: string | null;
}

/** Everything a webhook receiver got: the alerts' signed POSTs land here. */
const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
let receiver: Server;
let receiverUrl = '';

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
  const receiverPort = await freePort();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${receiverPort}/gpu-alerts`;
  stack = await startAppStack();
  browser = await launch();
  page = browser.page;
  lastIngestionAt = new Date((await stack.lastIngestion())!.startedAt);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
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
    apiKey = (await key.textContent())!.trim();
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
    await page.locator('gpu-page gpb-chart[data-chart="history"] canvas').waitFor();
    await page.locator('gpu-page .tab', { hasText: '7d' }).click();
    await page.locator('gpu-page gpb-chart[data-chart="history"] canvas').waitFor();
    expect(await page.locator('gpu-page .tab[aria-pressed="true"]').textContent()).toBe('7d');
    await screenshots(page, 'gpu');
  });

  it('providers: each provider with its health and price index', async () => {
    await page.goto(`${stack.base}/providers`);
    await page.locator('providers-page tr[data-provider]').first().waitFor();
    expect(await page.locator('providers-page tr[data-provider]').count()).toBeGreaterThanOrEqual(2);
    await screenshots(page, 'providers');
  });

  it('recommend: the form ranks offers with an explanation and a total cost, and "Deploy this" opens that offer', async () => {
    await page.goto(`${stack.base}/recommend`);
    await page.locator('recommend-page select[name="kind"]').selectOption('llm_inference');
    await page.locator('recommend-page input[name="modelParamsB"]').fill('8');
    await page.locator('recommend-page input[name="hours"]').fill('24');
    await page.locator('recommend-page button[type="submit"]', { hasText: 'Find offers' }).click();
    const cards = page.locator('recommend-page #results article.rec');
    await cards.first().waitFor();
    expect(await cards.count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('recommend-page [data-testid="matched"]').textContent()).not.toBe('No offer fits');
    // Ranked 1, 2, 3 … with scores that do not rise, each with its cost for the whole job and why it ranks there.
    const ranked = await cards.evaluateAll((els) =>
      els.map((el) => ({
        rank: Number(el.getAttribute('data-rank')),
        score: Number(el.querySelector('[data-testid="score"]')!.textContent),
        total: el.querySelector('[data-testid="total"]')!.textContent!.trim(),
        why: el.querySelector('.why')?.textContent?.trim() ?? '',
      })),
    );
    expect(ranked.map((r) => r.rank)).toEqual(ranked.map((_, i) => i + 1));
    expect(ranked.map((r) => r.score)).toEqual([...ranked.map((r) => r.score)].sort((a, b) => b - a));
    for (const r of ranked) {
      expect(r.total).toMatch(/^\$\d[\d,]*\.\d\d$/);
      expect(r.why.length).toBeGreaterThan(10);
    }
    await cards.first().locator('summary', { hasText: 'Why this rank' }).click();
    expect(await cards.first().locator('table.crit tr').count()).toBeGreaterThan(0);
    await screenshots(page, 'recommend-results');
    const offerId = (await cards.first().getAttribute('data-offer'))!;
    await cards.first().locator('a.deploy').click();
    await page.waitForURL(new RegExp(`/deploy/${offerId}\\?maxHours=`));
    await page.locator('deploy-page [data-testid="quoted-price"]').waitFor();
    expect(Number(await page.locator('deploy-page input[name="maxHours"]').inputValue())).toBeGreaterThan(0);
  });

  it('assistant: a request in plain words gets a reply and matching offers', async () => {
    await page.goto(`${stack.base}/recommend`);
    const box = page.locator('recommend-page gpb-assistant');
    await box.locator('input[name="message"]').fill('cheapest RTX 4090 on demand under $3 an hour');
    await box.getByRole('button', { name: 'Ask' }).click();
    await box.locator('[data-testid="reply"]').waitFor({ timeout: 30_000 });
    expect((await box.locator('[data-testid="reply"]').textContent())!.length).toBeGreaterThan(10);
    const offers = box.locator('tr[data-offer]');
    await offers.first().waitFor();
    const texts = await offers.allInnerTexts();
    expect(texts.every((t) => t.includes('RTX-4090'))).toBe(true);
    expect(texts.every((t) => t.includes('On-demand'))).toBe(true);
    await screenshots(page, 'assistant');
  });

  let orderId = '';

  it('adds credit: billing → the sandbox checkout → back at /checkout/return, credited once', async () => {
    await page.goto(`${stack.base}/app/billing`);
    await page.locator('app-billing [data-testid="available"]').waitFor();
    expect(await page.locator('app-billing [data-testid="available"]').textContent()).toBe('$0.00');
    await page.locator('app-billing [data-notice="empty"]').waitFor();
    await screenshots(page, 'dashboard-billing-empty');
    await page.locator('app-billing #amount').fill('50');
    await page.getByRole('button', { name: 'Continue to payment · $50.00' }).click();
    // The local payments sandbox plays Stripe Checkout on its own origin.
    await page.waitForURL((u) => u.toString().startsWith(`${stack.payments}/pay/stripe/`));
    expect(await page.locator('h1').textContent()).toContain('GPUBroker prepaid credit');
    await screenshots(page, 'checkout-sandbox');
    await page.getByRole('button', { name: 'Pay $50.00 (test mode)' }).click();
    await page.waitForURL(/\/checkout\/return\?/);
    orderId = new URL(page.url()).searchParams.get('order')!;
    expect(orderId).toMatch(/^pay_/);
    await page.locator('checkout-return-page h1', { hasText: 'added to your credit' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('checkout-return-page h1').textContent()).toBe('$50.00 added to your credit');
    expect(await page.locator('checkout-return-page [data-testid="order-status"]').getAttribute('data-status')).toBe('paid');
    expect(await page.locator('checkout-return-page [data-testid="order-id"]').textContent()).toBe(orderId);
    await page.locator('checkout-return-page [data-testid="new-balance"]').waitFor();
    expect(await page.locator('checkout-return-page [data-testid="new-balance"]').textContent()).toBe('$50.00');
    await screenshots(page, 'checkout-return');

    // The dashboard shows the same balance, also after a reload; the ledger has one purchase.
    const billingShows = async (amount: string) => {
      await page.goto(`${stack.base}/app/billing`);
      await expect.poll(() => page.locator('app-billing [data-testid="available"]').textContent()).toBe(amount);
      await page.reload();
      await expect.poll(() => page.locator('app-billing [data-testid="available"]').textContent()).toBe(amount);
      await page.locator('app-billing tr[data-kind="credit_purchase"]').first().waitFor();
      expect(await page.locator('app-billing tr[data-kind="credit_purchase"]').count()).toBe(1);
      expect((await page.locator('app-billing tr[data-kind="credit_purchase"] td').last().textContent())!.trim()).toBe('+$50.00');
    };
    await billingShows('$50.00');
    expect((await apiGet<Balance>('/v1/billing/balance')).balanceUsd).toBe(50);
  });

  it('a signed payment webhook sent twice, then the other event of the same payment, credits the order once', async () => {
    // A second order, paid by locally signed test webhooks (scripts/send-webhook.mjs) instead of the
    // sandbox's page: the same checkout.session.completed twice (one event id), then payment_intent.succeeded.
    const res = await fetch(`${stack.base}/v1/billing/checkout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': `e2e-${Date.now()}` },
      body: JSON.stringify({ amountUsd: 25, provider: 'stripe' }),
    });
    expect(res.status).toBe(201);
    const order = ((await res.json()) as { orderId: string }).orderId;
    const secret = readFileSync(join(stack.dir, 'stripe-webhook-secret'), 'utf8').trim();
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/send-webhook.mjs', '--order', order, '--token', apiKey, '--api', stack.base, '--secret', secret], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    const answers = stdout
      .split('\n')
      .filter((l) => / → \d{3} /.test(l))
      .map((l) => ({ type: l.split(' ')[0], status: Number(/ → (\d{3}) /.exec(l)![1]), body: JSON.parse(l.slice(l.indexOf('{'))) as { duplicate: boolean; outcome: string | null } }));
    expect(answers.map((a) => [a.type, a.status, a.body.duplicate])).toEqual([
      ['checkout.session.completed', 200, false],
      ['checkout.session.completed', 200, true],
      ['payment_intent.succeeded', 200, false],
    ]);
    expect(answers[2]!.body.outcome).toBe('already credited');
    expect((await apiGet<Balance>('/v1/billing/balance')).balanceUsd).toBe(75);
    const ledger = await apiGet<{ data: LedgerTxn[] }>('/v1/billing/ledger?kind=credit_purchase');
    expect(ledger.data.map((t) => t.amountUsd)).toEqual([25, 50]);

    // The return page says so too, and the dashboard's balance moved by exactly $25, also after a reload.
    await page.goto(`${stack.base}/checkout/return?order=${order}&result=success`);
    await page.locator('checkout-return-page h1', { hasText: 'added to your credit' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('checkout-return-page h1').textContent()).toBe('$25.00 added to your credit');
    await expect.poll(() => page.locator('checkout-return-page [data-testid="new-balance"]').textContent()).toBe('$75.00');
    await page.goto(`${stack.base}/app/billing`);
    await expect.poll(() => page.locator('app-billing [data-testid="available"]').textContent()).toBe('$75.00');
    await page.reload();
    await expect.poll(() => page.locator('app-billing [data-testid="available"]').textContent()).toBe('$75.00');
    await expect.poll(() => page.locator('app-billing tr[data-kind="credit_purchase"]').count()).toBe(2);
    await screenshots(page, 'dashboard-billing');
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
    // The estimate is 2 h at the exact quoted price plus the platform margin (what leaves the credit;
    // the display rounds the price, not the estimate).
    const offer = (await (await fetch(`${stack.base}/v1/offers/${page.url().split('/').pop()}`)).json()) as { pricePerHourUsd: number };
    const { marginPercent, availableUsd } = await apiGet<Balance>('/v1/billing/balance');
    expect(await page.locator('deploy-page [data-testid="review-estimate"]').textContent()).toBe(`$${(Math.round(offer.pricePerHourUsd * (1 + marginPercent / 100) * 2 * 100) / 100).toFixed(2)}`);
    await expect.poll(() => page.locator('deploy-page [data-testid="available-credit"]').textContent()).toBe(`$${availableUsd.toFixed(2)}`);
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

  it('price alerts: create a live one and a webhook one (secret shown once), see a signed delivery, delete one', async () => {
    await page.goto(`${stack.base}/app/alerts`);
    await page.locator('app-alerts .empty', { hasText: 'No price alerts' }).waitFor();
    await screenshots(page, 'dashboard-alerts-empty');
    const form = page.locator('app-alerts form[aria-label="Create a price alert"]');
    // The form names what is missing before asking the API.
    await form.getByRole('button', { name: 'Create alert' }).click();
    await form.locator('#gpu-note').waitFor();
    expect(await form.locator('#maxPricePerGpuHour-note').textContent()).toContain('price per GPU-hour');

    // A live alert: listed, no secret.
    await form.locator('select[name="gpu"]').selectOption('RTX-4090');
    await form.getByLabel('Max price per GPU-hour (USD)').fill('50');
    await form.getByLabel('Spot').uncheck();
    await form.getByLabel('Interruptible').uncheck();
    await form.getByLabel('Name (optional)').fill('Any on-demand 4090');
    await form.getByRole('button', { name: 'Create alert' }).click();
    const live = page.locator('app-alerts tr[data-alert]', { hasText: 'Any on-demand 4090' });
    await live.waitFor();
    expect(await live.innerText()).toContain('RTX-4090 at ≤ $50.00/GPU·h · On-demand');
    expect(await page.locator('app-alerts [data-testid="signing-secret"]').count()).toBe(0);

    // A webhook alert to a local receiver (npm start allows private URLs): its secret is shown once.
    await form.locator('select[name="gpu"]').selectOption('RTX-4090');
    await form.getByLabel('Max price per GPU-hour (USD)').fill('50');
    await form.getByLabel('Webhook').check();
    await form.getByLabel('Webhook URL').fill(receiverUrl);
    await form.getByLabel('Name (optional)').fill('4090 webhook');
    await form.getByRole('button', { name: 'Create alert' }).click();
    const secretEl = page.locator('app-alerts [data-testid="signing-secret"]');
    await secretEl.waitFor();
    const secret = (await secretEl.textContent())!.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    const hook = page.locator('app-alerts tr[data-alert]', { hasText: '4090 webhook' });
    await hook.waitFor();
    expect(await hook.innerText()).toContain(receiverUrl);
    await screenshots(page, 'dashboard-alerts-secret');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await secretEl.count()).toBe(0);
    const alerts = await apiGet<{ data: Array<{ id: string; name: string; delivery: { type: string } }> }>('/v1/alerts');
    expect(alerts.data.map((a) => [a.name, a.delivery.type])).toEqual([
      ['4090 webhook', 'webhook'],
      ['Any on-demand 4090', 'live'],
    ]);
    expect(JSON.stringify(alerts)).not.toContain(secret);

    // The page listens on the alerts channel now that a live alert exists.
    await expect.poll(() => page.locator('app-alerts [data-live]').getAttribute('data-live'), { timeout: 15_000 }).toBe('live');

    // The next ingestion fires both; the receiver gets a POST signed with the secret shown above.
    lastIngestionAt = await stack.cron();
    await expect.poll(() => received.length, { timeout: 30_000, interval: 250 }).toBeGreaterThan(0);
    const hit = received[0]!;
    const [id, ts, sig] = [hit.headers['webhook-id'], hit.headers['webhook-timestamp'], hit.headers['webhook-signature']] as string[];
    const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${ts}.${hit.body}`).digest('base64');
    expect(sig!.split(' ')).toContain(`v1,${expected}`);
    const payload = JSON.parse(hit.body) as { data?: { offers?: Array<{ gpuModel: string }> } };
    expect(JSON.stringify(payload)).toContain('RTX-4090');
    // The live one reached this page while it was open: named, with its cheapest new offer.
    const liveId = alerts.data[1]!.id;
    const fired = page.locator(`app-alerts li[data-fired="${liveId}"]`);
    await fired.waitFor({ timeout: 15_000 });
    expect(await fired.innerText()).toMatch(/Any on-demand 4090 · \d+ offers? newly matching/);
    expect(await fired.innerText()).toContain('Cheapest: ');
    await screenshots(page, 'dashboard-alerts-live');
    const liveDeliveries = await apiGet<{ data: Array<{ kind: string; status: string; sockets: number | null }> }>(`/v1/alerts/${liveId}/deliveries`);
    expect(liveDeliveries.data.map((d) => [d.kind, d.status, d.sockets])).toEqual([['live', 'delivered', 1]]);

    // Its deliveries in the dashboard: delivered with the receiver's 204.
    await page.reload();
    await hook.waitFor();
    await page.getByRole('button', { name: 'Deliveries of 4090 webhook' }).click();
    const delivery = page.locator('app-alerts [data-deliveries] tr[data-delivery]').first();
    await expect
      .poll(
        async () => {
          if ((await delivery.count()) === 0 || (await delivery.getAttribute('data-status')) !== 'delivered') await page.locator('app-alerts [data-deliveries]').getByRole('button', { name: 'Refresh' }).click();
          return (await delivery.count()) ? delivery.getAttribute('data-status') : null;
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe('delivered');
    expect(await delivery.innerText()).toContain('delivered (HTTP 204) after 1 attempt');
    expect(await page.locator('app-alerts [data-deliveries]').getAttribute('data-deliveries')).toBe(alerts.data[0]!.id);
    expect(Number((await hook.locator('td').nth(2).textContent())!.trim())).toBeGreaterThan(0);
    await screenshots(page, 'dashboard-alerts');

    // Delete the live one: gone from the list and from the API.
    await page.getByRole('button', { name: 'Delete Any on-demand 4090' }).click();
    await page.getByRole('button', { name: 'Delete alert' }).click();
    await expect.poll(() => live.count()).toBe(0);
    expect((await apiGet<{ data: unknown[] }>('/v1/alerts')).data).toHaveLength(1);
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

  it('invoices: this month so far with its lines, printable', async () => {
    await page.goto(`${stack.base}/app/invoices`);
    const draft = page.locator('app-invoices section[data-invoice="upcoming"]');
    await draft.waitFor();
    // The month's payments hold the $50 and $25 bought above.
    expect(await draft.locator('[data-testid="payments"]').textContent()).toBe('$75.00');
    await page.locator('app-invoices .issued').waitFor();
    await screenshots(page, 'dashboard-invoices');
    await page.evaluate(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => void ((window as unknown as { printed: number }).printed += 1);
    });
    await draft.getByRole('button', { name: 'Print' }).click();
    expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
    // The print view: the invoice alone, without the app's header, the dashboard menu or buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('gpb-app header').first().isVisible()).toBe(false);
    expect(await page.locator('dashboard-page nav.side').isVisible()).toBe(false);
    expect(await draft.getByRole('button', { name: 'Print' }).isVisible()).toBe(false);
    expect(await draft.isVisible()).toBe(true);
    await screenshots(page, 'dashboard-invoices-print');
    await page.emulateMedia({ media: 'screen' });
  });

  it('changes the plan: the prorated quote, confirm, the new plan and its fee in the ledger', async () => {
    await page.goto(`${stack.base}/app/plan`);
    await page.locator('app-plan [data-testid="plan-name"]').waitFor();
    expect(await page.locator('app-plan [data-testid="plan-name"]').textContent()).toBe('Free');
    const before = await apiGet<Balance>('/v1/billing/balance');
    await page.getByRole('button', { name: 'Upgrade to Basic' }).click();
    const quote = page.locator('app-plan [data-testid="quote"]');
    await quote.waitFor();
    const net = (await page.locator('app-plan [data-testid="quote-net"]').textContent())!.trim();
    expect(net).toMatch(/^\$\d+\.\d\d$/);
    expect(Number(net.slice(1))).toBeGreaterThan(0);
    expect(Number(net.slice(1))).toBeLessThanOrEqual(29);
    await screenshots(page, 'dashboard-plan-quote', { fullPage: false });
    await page.getByRole('button', { name: `Switch and pay ${net}` }).click();
    await expect.poll(() => page.locator('app-plan [data-testid="plan-name"]').textContent(), { timeout: 20_000 }).toBe('Basic');
    const fees = await apiGet<{ data: LedgerTxn[] }>('/v1/billing/ledger?kind=subscription_fee');
    expect(fees.data).toHaveLength(1);
    // The quote the page showed is what the API charged (to the cent: the quote is computed per second).
    expect(Math.abs(-fees.data[0]!.amountUsd - Number(net.slice(1)))).toBeLessThanOrEqual(0.01);
    const after = await apiGet<Balance>('/v1/billing/balance');
    expect(Math.round((before.balanceUsd - after.balanceUsd) * 100)).toBeGreaterThanOrEqual(Math.round(-fees.data[0]!.amountUsd * 100));
    await screenshots(page, 'dashboard-plan-changed');
  });

  it('admin: a normal user gets a clear "not allowed" page at /admin', async () => {
    await page.goto(`${stack.base}/admin`);
    await page.locator('admin-page .empty h3', { hasText: 'Platform admins only' }).waitFor();
    expect(await page.locator('gpb-app a', { hasText: 'Admin' }).count()).toBe(0);
    await screenshots(page, 'admin-not-allowed');
  });

  it('signs out: the cookie is cleared and a reload stays signed out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('gpb-app a', { hasText: 'Sign in' }).first().waitFor();
    expect((await browser.context.cookies(stack.base)).find((c) => c.name === '__Host-gpb_session')).toBeUndefined();
    await page.goto(`${stack.base}/app`);
    await page.waitForURL(/\/login\?next=%2Fapp/);
    await screenshots(page, 'login');
  });

  it('admin: the platform admin sees the KPIs, provider health and tenants', async () => {
    await page.goto(`${stack.base}/signup`);
    await page.getByLabel('Organization').fill('GPUBroker Ops');
    await page.getByLabel('Email').fill('admin@gpubroker.local');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('auth-page [data-testid="first-key"]').waitFor();
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL(`${stack.base}/app`);
    await page.locator('gpb-app a', { hasText: 'Admin' }).first().click();
    await page.waitForURL(`${stack.base}/admin`);
    await expect.poll(() => page.locator('admin-page [data-testid="credit-bought"]').textContent(), { timeout: 20_000 }).toBe('$75.00');
    expect(await page.locator('admin-page [data-testid="tenants"]').textContent()).toBe('2');
    expect(Number(await page.locator('admin-page [data-testid="deployments"]').textContent())).toBeGreaterThanOrEqual(1);
    await page.locator('admin-page tr[data-provider]').first().waitFor();
    expect(await page.locator('admin-page tr[data-provider] .badge').first().textContent()).toMatch(/\w/);
    const tenant = page.locator('admin-page admin-tenants tr[data-tenant]', { hasText: 'Browser Test Labs' });
    await tenant.waitFor();
    expect(await tenant.innerText()).toMatch(/basic/i);
    await page.locator('admin-page gpb-chart').first().waitFor();
    await screenshots(page, 'admin');
  });

  it('logged no page errors and no Content-Security-Policy violations', () => {
    expect(browser.problems).toEqual([]);
  });

  it('no page is wider than a phone (nothing scrolls sideways at 390 px)', () => {
    expect(phoneOverflows).toEqual([]);
  });
});
