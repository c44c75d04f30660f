// GET /checkout/return: where a provider sends the payer back when no web app is configured. It reads
// nothing (the request carries no credentials); it says what happens next, and the order's status is
// at GET /v1/billing/payments/{id}.
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env';

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function checkoutReturnPage(c: Context<AppEnv>): Response {
  const order = /^pay_[0-9a-z]{16}$/.test(c.req.query('order') ?? '') ? c.req.query('order')! : null;
  const paid = c.req.query('result') === 'success';
  const title = paid ? 'Thank you: payment received' : 'Checkout cancelled';
  const text = paid
    ? 'Your credit is added as soon as the payment provider confirms the payment, usually within seconds.'
    : 'Nothing was charged. You can start a new checkout at any time.';
  c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
  c.header('Cache-Control', 'no-store');
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>` +
      `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}code{background:#f2f2f2;padding:.1rem .3rem}</style></head>` +
      `<body><h1>${title}</h1><p>${text}</p>${order ? `<p>Order <code>${escape(order)}</code>: <code>GET /v1/billing/payments/${escape(order)}</code> shows its status.</p>` : ''}</body></html>`,
  );
}
