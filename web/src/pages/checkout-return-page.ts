// Checkout return (/checkout/return?order=pay_…&result=success|cancelled): where Stripe or PayPal sends
// the payer back. The credit arrives with the provider's signed webhook, which may come a moment after
// the payer, so the page reads the order (GET /v1/billing/payments/{id}) with backoff until it is
// paid, then shows the new balance; a cancelled checkout says nothing was charged.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../components/styles';
import { messageOf, statesStyles } from '../components/ui';
import { ApiError } from '../lib/api';
import { paymentStatusLabel, paymentTone } from '../lib/billing';
import { afterError, afterRead, readReturn, RETURN_PATH_KEY, safeReturnPath, type ReturnState } from '../lib/checkout-return';
import { formatCost, formatDateTime } from '../lib/format';
import { api, reads } from '../lib/session';
import type { Balance, Payment } from '../lib/types';

export class CheckoutReturnPage extends LitElement {
  static override properties = { query: { attribute: false }, state: { state: true }, balance: { state: true } };
  declare query: URLSearchParams;
  declare state: ReturnState;
  declare balance: Balance | null;

  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private started = '';

  constructor() {
    super();
    this.query = new URLSearchParams();
    this.state = { kind: 'checking' };
    this.balance = null;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.timer);
  }

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('query') && this.query.toString() !== this.started) {
      this.started = this.query.toString();
      clearTimeout(this.timer);
      this.attempt = 0;
      this.balance = null;
      this.state = readReturn(this.query) ? { kind: 'checking' } : { kind: 'invalid' };
      if (this.state.kind === 'checking') void this.read();
    }
  }

  private get ret() {
    return readReturn(this.query);
  }

  private async read() {
    const ret = this.ret;
    if (!ret) return;
    clearTimeout(this.timer);
    try {
      const payment = await api.get<Payment>(`/v1/billing/payments/${ret.orderId}`);
      const next = afterRead(ret.result, payment, this.attempt);
      this.state = next.state;
      this.schedule(next.pollInMs);
      if (next.state.kind === 'paid') await this.loadBalance();
    } catch (err) {
      const next = afterError(err instanceof ApiError ? err.status : 0, messageOf(err), this.attempt, this.state);
      this.state = next.state;
      this.schedule(next.pollInMs);
    }
  }

  private schedule(ms: number | null) {
    if (ms === null) return;
    this.attempt += 1;
    this.timer = setTimeout(() => void this.read(), ms);
  }

  private async loadBalance() {
    // The credit just moved: nothing cached from before the payment may be shown.
    reads.invalidate('/v1/billing');
    try {
      this.balance = await api.get<Balance>('/v1/billing/balance');
      reads.set('/v1/billing/balance', this.balance);
    } catch {
      this.balance = null;
    }
  }

  private checkAgain() {
    this.attempt = 0;
    this.state = this.state.kind === 'slow' ? { kind: 'waiting', payment: this.state.payment, attempt: 0 } : { kind: 'checking' };
    void this.read();
  }

  private continueTo(): { href: string; label: string } {
    let back: string | null = null;
    try {
      back = safeReturnPath(sessionStorage.getItem(RETURN_PATH_KEY));
    } catch {
      back = null;
    }
    if (back?.startsWith('/deploy/')) return { href: back, label: 'Continue to your deployment' };
    if (back) return { href: back, label: 'Continue where you were' };
    return { href: '/app/billing', label: 'Go to billing' };
  }

  private summary(p: Payment) {
    return html`<dl class="kv">
      <dt>Order</dt><dd class="mono" data-testid="order-id">${p.id}</dd>
      <dt>Amount</dt><dd class="num">${formatCost(p.amountUsd)}</dd>
      <dt>Paid with</dt><dd>${p.provider === 'stripe' ? 'Card (Stripe)' : 'PayPal'}</dd>
      <dt>Status</dt><dd><span class="badge ${paymentTone(p.status)}" data-testid="order-status" data-status=${p.status}>${paymentStatusLabel(p.status)}</span></dd>
      ${p.paidAt ? html`<dt>Paid</dt><dd class="num">${formatDateTime(p.paidAt)}</dd>` : nothing}
    </dl>`;
  }

  private body() {
    const s = this.state;
    switch (s.kind) {
      case 'invalid':
        return html`<div class="icon muted-icon" aria-hidden="true">?</div>
          <h1>No such checkout</h1>
          <p class="muted">This link does not name a payment of your organization. Your balance and payments are on the billing page.</p>
          <div class="actions"><a class="btn btn-primary" href="/app/billing">Go to billing</a></div>`;
      case 'checking':
        return html`<div class="icon spin" aria-hidden="true"></div><h1>Confirming your payment…</h1><p class="muted">Reading the order.</p>`;
      case 'waiting':
        return html`<div class="icon spin" aria-hidden="true"></div>
          <h1>Waiting for ${s.payment.provider === 'stripe' ? 'Stripe' : 'PayPal'} to confirm</h1>
          <p class="muted">The credit is added the moment the payment provider confirms the payment, usually within seconds. You can leave this page: it is added anyway.</p>
          ${this.summary(s.payment)}`;
      case 'slow':
        return html`<div class="icon warn-icon" aria-hidden="true">!</div>
          <h1>Still waiting for confirmation</h1>
          <p class="muted">The payment provider has not confirmed this payment yet. It is credited as soon as it does; nothing is charged twice if you check again.</p>
          ${this.summary(s.payment)}
          <div class="actions"><a class="btn" href="/app/billing">Go to billing</a><button class="btn btn-primary" type="button" @click=${this.checkAgain}>Check again</button></div>`;
      case 'paid': {
        const next = this.continueTo();
        return html`<div class="icon ok-icon" aria-hidden="true">✓</div>
          <h1>${formatCost(s.payment.amountUsd)} added to your credit</h1>
          <p class="muted">Thank you. The payment is confirmed and credited once.</p>
          <div class="balance"><span class="label">Available credit now</span>
            ${this.balance ? html`<span class="stat num" data-testid="new-balance">${formatCost(this.balance.availableUsd)}</span>` : html`<span class="skeleton bal-sk"></span>`}</div>
          ${this.summary(s.payment)}
          <div class="actions">${next.href !== '/app/billing' ? html`<a class="btn" href="/app/billing">Billing</a>` : html`<a class="btn" href="/market">Open the market</a>`}
            <a class="btn btn-primary" href=${next.href}>${next.label}</a></div>`;
      }
      case 'cancelled':
        return html`<div class="icon muted-icon" aria-hidden="true">×</div>
          <h1>Checkout cancelled</h1>
          <p class="muted">Nothing was charged. You can add credit at any time.</p>
          ${this.summary(s.payment)}
          <div class="actions"><a class="btn" href="/app">Dashboard</a><a class="btn btn-primary" href="/app/billing?add=${s.payment.amountUsd}">Try again</a></div>`;
      case 'failed':
        return html`<div class="icon err-icon" aria-hidden="true">!</div>
          <h1>The payment did not go through</h1>
          <p class="muted">${s.payment.failureReason ?? 'The payment provider refused it.'} Nothing was credited.</p>
          ${this.summary(s.payment)}
          <div class="actions"><a class="btn btn-primary" href="/app/billing?add=${s.payment.amountUsd}">Try again</a></div>`;
      case 'error':
        return html`<div class="icon err-icon" aria-hidden="true">!</div>
          <h1>Could not read the order</h1>
          <p class="muted">${s.message}</p>
          <div class="actions"><button class="btn btn-primary" type="button" @click=${this.checkAgain}>Try again</button></div>`;
    }
  }

  override render() {
    return html`<div class="wrap">
      <section class="card card-pad box" aria-live="polite" data-state=${this.state.kind}>${this.body()}</section>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    css`
      .wrap { display: grid; place-items: start center; padding: var(--space-8) var(--space-4); min-height: calc(100vh - var(--header-h) - 80px); }
      @media (max-width: 640px) { .wrap { padding-top: var(--space-6); } }
      .box { width: min(520px, 100%); display: flex; flex-direction: column; gap: var(--space-3); box-shadow: var(--shadow); align-items: stretch; }
      .box h1 { font-size: var(--text-xl); }
      .icon { width: 44px; height: 44px; border-radius: 50%; display: grid; place-items: center; font-weight: 700; font-size: 20px; }
      .ok-icon { background: var(--green-soft); color: var(--green); }
      .err-icon { background: var(--red-soft); color: var(--red); }
      .warn-icon { background: var(--amber-soft); color: var(--amber); }
      .muted-icon { background: var(--bg-muted); color: var(--text-muted); }
      .spin { border: 3px solid var(--bg-muted); border-top-color: var(--accent); animation: spin 0.9s linear infinite; width: 36px; height: 36px; }
      @keyframes spin { to { transform: rotate(360deg); } }
      .balance { display: flex; flex-direction: column; gap: 4px; padding: var(--space-4); border-radius: var(--radius); background: var(--bg-subtle); border: 1px solid var(--border); }
      .bal-sk { height: 30px; width: 140px; }
      .kv { display: grid; grid-template-columns: auto 1fr; gap: 6px var(--space-4); margin: 0; font-size: var(--text-sm); }
      .kv dt { color: var(--text-muted); }
      .kv dd { margin: 0; text-align: right; font-weight: 550; }
      .actions { display: flex; justify-content: flex-end; gap: var(--space-2); flex-wrap: wrap; margin-top: var(--space-2); }
    `,
  ];
}

customElements.define('checkout-return-page', CheckoutReturnPage);
