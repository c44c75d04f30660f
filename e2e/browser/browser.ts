// Debian's Chromium driven by playwright-core (never a downloaded browser), headless, with a fresh
// profile per run, and a helper that writes desktop and phone screenshots for people to look at.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));

export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Messages the page logged as errors, and Content-Security-Policy violations. */
  problems: string[];
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'gpubroker-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: DESKTOP,
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    // A refused request (401 on a signed-out refresh, 409 on a deliberate conflict) is not a page error.
    // A failed load names its resource in the location, so the report says which one.
    if (m.type() === 'error' && !/status of (401|403|409|429)/.test(m.text())) problems.push(m.location().url ? `${m.text()} (${m.location().url})` : m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Pages wider than the phone screen (scrolled sideways), found while screenshotting: `name: element`. */
export const phoneOverflows: string[] = [];

/**
 * At phone width: null when the page fits, else its width and the deepest elements reaching its right
 * edge. Source text, so the transform of this file cannot add helpers the page does not have.
 */
const WIDEST_ELEMENTS = `(width) => {
  const total = document.documentElement.scrollWidth;
  if (total <= width) return null;
  const hits = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.classList.length ? '.' + Array.from(el.classList).join('.') : '');
  const walk = (root, path) => {
    for (const el of Array.from(root.querySelectorAll('*'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right + window.scrollX >= total - 1) hits.push(path + name(el));
      if (el.shadowRoot) walk(el.shadowRoot, path + name(el) + ' › ');
    }
  };
  walk(document, '');
  return [total + 'px wide', ...hits.slice(-3)];
}`;

/** Screenshots of the current page at desktop and phone width (`name-desktop.png`, `name-phone.png`). */
export async function screenshots(page: Page, name: string, options: { fullPage?: boolean; settle?: () => Promise<void> } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(250);
    await options.settle?.();
    // From the top: a full-page shot of a scrolled page draws the sticky header in the middle.
    if (options.fullPage ?? true) await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${label}.png`), fullPage: options.fullPage ?? true });
    if (label === 'phone') {
      const wide = (await page.evaluate(`(${WIDEST_ELEMENTS})(${size.width})`)) as string[] | null;
      if (wide) phoneOverflows.push(`${name}: ${wide.join(' | ')}`);
    }
  }
  await page.setViewportSize(DESKTOP);
}
