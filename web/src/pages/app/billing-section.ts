// Dashboard › Billing (/app/billing): the balance (available, reserved, this month's spend, the
// low-balance and grace warnings), "Add credit" (POST /v1/billing/checkout, then off to Stripe's or
// PayPal's page), this month's usage by day and by GPU or deployment, and the ledger.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadingRows, loadMoreButton, messageOf, statesStyles } from '../../components/ui';
import { ApiError, SubmissionKey } from '../../lib/api';
import { balanceNotice, ledgerKindLabel, parseCheckoutAmount, safeCheckoutUrl, TOP_UP_AMOUNTS } from '../../lib/billing';
import { RETURN_PATH_KEY, safeReturnPath } from '../../lib/checkout-return';
import { formatCost, formatDateTime, formatDuration, formatSignedCost } from '../../lib/format';
import { PagedList } from '../../lib/paged-list';
import { api, cachedGet, session } from '../../lib/session';
import type { Balance, Checkout, LedgerTransaction, PaymentProvider, Usage } from '../../lib/types';
import { sectionStyles } from './section-styles';
import './usage-chart';

const LEDGER_FILTERS = ['', 'credit_purchase', 'usage', 'subscription_fee', 'subscription_credit', 'adjustment', 'refund', 'dispute'];

export class BillingSection extends LitElement {
  static override properties = {
    query: { attribute: false },
    balance: { state: true },
    balanceError: { state: true },
    amount: { state: true },
    provider: { state: true },
    amountError: { state: true },
    paying: { state: true },
    payError: { state: true },
    groupBy: { state: true },
    usage: { state: true },
    usageError: { state: true },
    ledgerKind: { state: true },
  };
  declare query: URLSearchParams;
  declare balance: Balance | null;
  declare balanceError: unknown;
  declare amount: string;
  declare provider: PaymentProvider;
  declare amountError: string | null;
  declare paying: boolean;
  declare payError: unknown;
  declare groupBy: 'gpu' | 'deployment';
  declare usage: Usage | null;
  declare usageError: unknown;
  declare ledgerKind: string;
  private readonly ledger = new PagedList<LedgerTransaction>(this, api, '/v1/billing/ledger', () => ({ kind: this.ledgerKind || undefined, limit: 25 }));

  private readonly submission = new SubmissionKey();

  constructor() {
    super();
    this.query = new URLSearchParams();
    this.balance = null;
    this.balanceError = null;
    this.amount = '50';
    this.provider = 'stripe';
    this.amountError = null;
    this.paying = false;
    this.payError = null;
    this.groupBy = 'gpu';
    this.usage = null;
    this.usageError = null;
    this.ledgerKind = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadBalance();
    void this.loadUsage();
  }

  override willUpdate(changed: Map<string, unknown>) {
    // /app/billing?add=25 (from a 402 elsewhere) preselects the amount that covers what was missing.
    if (changed.has('query')) {
      const add = this.query.get('add');
      if (add && parseCheckoutAmount(add).amountUsd !== null) this.amount = add;
    }
  }

  override async updated(changed: Map<string, unknown>) {
    if (changed.has('query') && this.query.has('add')) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('#add-credit')?.scrollIntoView({ block: 'center' });
      this.renderRoot.querySelector<HTMLInputElement>('#amount')?.focus({ preventScroll: true });
    }
  }

  private async loadBalance() {
    this.balanceError = null;
    try {
      this.balance = await cachedGet<Balance>('/v1/billing/balance');
    } catch (err) {
      this.balanceError = err;
    }
  }

  private async loadUsage() {
    this.usageError = null;
    this.usage = null;
    try {
      this.usage = await cachedGet<Usage>('/v1/billing/usage', { groupBy: this.groupBy });
    } catch (err) {
      this.usageError = err;
    }
  }

  private async pay(e: SubmitEvent) {
    e.preventDefault();
    const parsed = parseCheckoutAmount(this.amount);
    if (parsed.error !== null) {
      this.amountError = parsed.error;
      this.renderRoot.querySelector<HTMLInputElement>('#amount')?.focus();
      return;
    }
    this.amountError = null;
    const body = { amountUsd: parsed.amountUsd, provider: this.provider };
    const text = JSON.stringify(body);
    // The same amount and provider keep their key: a retry after a network error makes no second order.
    this.paying = true;
    this.payError = null;
    try {
      const checkout = await api.post<Checkout>('/v1/billing/checkout', body, { idempotencyKey: this.submission.for(text) });
      const url = safeCheckoutUrl(checkout.checkoutUrl);
      if (!url) throw new Error('The payment provider answered an unusable checkout address.');
      const back = safeReturnPath(this.query.get('return'));
      try {
        if (back) sessionStorage.setItem(RETURN_PATH_KEY, back);
        else sessionStorage.removeItem(RETURN_PATH_KEY);
      } catch {
        // storage disabled: the return page then offers the billing page
      }
      window.location.assign(url);
    } catch (err) {
      this.payError = err;
      this.paying = false;
      if (err instanceof ApiError && err.fieldError('body.amountUsd')) this.amountError = err.fieldError('body.amountUsd')!;
    }
  }

  private renderBalance() {
    if (this.balanceError) return html`<section class="card card-pad">${errorState(this.balanceError, () => void this.loadBalance())}</section>`;
    const b = this.balance;
    const notice = b ? balanceNotice(b, Date.now()) : null;
    return html`
      ${notice ? html`<div class="notice ${notice.tone === 'info' ? '' : notice.tone}" role=${notice.tone === 'error' ? 'alert' : 'status'} data-notice=${notice.code}>${notice.text}</div>` : nothing}
      <section class="card card-pad balance" aria-labelledby="balance-title">
        <div class="main">
          <span class="label" id="balance-title">Available credit</span>
          ${b ? html`<div class="big num" data-testid="available">${formatCost(b.availableUsd)}</div>` : html`<div class="skeleton big-sk"></div>`}
          <span class="faint small">${b ? `What new deployments and plan changes may spend. ${b.marginPercent}% platform margin on GPU time.` : html`&nbsp;`}</span>
        </div>
        <dl class="figures">
          <div><dt>Balance</dt><dd class="num" data-testid="balance">${b ? formatCost(b.balanceUsd) : '…'}</dd></div>
          <div><dt>Reserved</dt><dd class="num" title="Running time not charged yet, plus the minimum runtime of deployments starting">${b ? formatCost(b.reservedUsd) : '…'}</dd></div>
          <div><dt>Spent this month</dt><dd class="num" data-testid="month-total">${b ? formatCost(b.thisMonth.totalUsd) : '…'}</dd></div>
          <div><dt>Plan fees this month</dt><dd class="num">${b ? formatCost(b.thisMonth.feesUsd) : '…'}</dd></div>
        </dl>
      </section>`;
  }

  private renderAddCredit() {
    if (!session.can('member')) {
      return html`<section class="card card-pad add" id="add-credit"><h2>Add credit</h2><p class="muted small">Members, admins and owners can add credit; ask one of them.</p></section>`;
    }
    const parsed = parseCheckoutAmount(this.amount);
    return html`<section class="card card-pad add" id="add-credit" aria-labelledby="add-title">
      <h2 id="add-title">Add credit</h2>
      <form class="stack-sm" @submit=${this.pay} novalidate>
        <fieldset class="amounts">
          <legend class="sr-only">Amount</legend>
          ${TOP_UP_AMOUNTS.map((a) => html`<button type="button" class="chip ${Number(this.amount) === a ? 'on' : ''}" aria-pressed=${Number(this.amount) === a ? 'true' : 'false'}
            @click=${() => { this.amount = String(a); this.amountError = null; }}>$${a}</button>`)}
        </fieldset>
        <label class="field">Amount (USD)
          <span class="money"><span aria-hidden="true">$</span><input id="amount" name="amount" inputmode="decimal" autocomplete="off" .value=${this.amount}
            @input=${(e: Event) => { this.amount = (e.target as HTMLInputElement).value; this.amountError = null; }}
            aria-invalid=${this.amountError ? 'true' : 'false'} aria-describedby="amount-note" /></span>
          ${this.amountError ? html`<span class="error" id="amount-note">${this.amountError}</span>` : html`<span class="hint" id="amount-note">$5 to $10,000. Credited when the payment is confirmed.</span>`}
        </label>
        <fieldset class="providers">
          <legend>Pay with</legend>
          ${(['stripe', 'paypal'] as const).map((p) => html`<label class="provider ${this.provider === p ? 'on' : ''}">
            <input type="radio" name="provider" value=${p} .checked=${this.provider === p} @change=${() => (this.provider = p)} />
            <span><strong>${p === 'stripe' ? 'Card' : 'PayPal'}</strong><span class="faint small">${p === 'stripe' ? 'via Stripe Checkout' : 'PayPal account or card'}</span></span>
          </label>`)}
        </fieldset>
        ${this.payError && !(this.payError instanceof ApiError && this.payError.fieldError('body.amountUsd')) ? html`<div class="notice error" role="alert">${messageOf(this.payError)}</div>` : nothing}
        <button class="btn btn-primary btn-lg" type="submit" ?disabled=${this.paying}>${this.paying ? 'Opening checkout…' : `Continue to payment${parsed.amountUsd !== null ? ` · ${formatCost(parsed.amountUsd)}` : ''}`}</button>
        <p class="faint small secure">You pay on ${this.provider === 'stripe' ? 'Stripe' : 'PayPal'}’s page; GPUBroker never sees your card.</p>
      </form>
    </section>`;
  }

  private renderUsageTable() {
    if (this.usageError) return errorState(this.usageError, () => void this.loadUsage());
    const u = this.usage;
    if (u && u.data.length === 0) return html`<p class="muted small pad">Nothing charged yet this month.</p>`;
    return html`<div class="table-wrap"><table class="data">
      <thead><tr><th>${this.groupBy === 'gpu' ? 'GPU' : 'Deployment'}</th><th class="r">Running time</th><th class="r">GPU cost</th><th class="r">Margin</th><th class="r">Charged</th></tr></thead>
      <tbody>${u
        ? u.data.map((r) => html`<tr><td>${this.groupBy === 'deployment' ? html`<a href="/deployments/${r.key}">${r.deploymentName ?? r.key}</a>` : r.key}</td>
            <td class="r num muted">${formatDuration(r.seconds)}</td><td class="r num">${formatCost(r.costUsd)}</td><td class="r num muted">${formatCost(r.marginUsd)}</td><td class="r num strong">${formatCost(r.totalUsd)}</td></tr>`)
        : loadingRows(3, 5)}</tbody>
      ${u ? html`<tfoot><tr><td>Total</td><td class="r num">${formatDuration(u.totals.seconds)}</td><td class="r num">${formatCost(u.totals.costUsd)}</td><td class="r num">${formatCost(u.totals.marginUsd)}</td><td class="r num strong">${formatCost(u.totals.totalUsd)}</td></tr></tfoot>` : nothing}
    </table></div>`;
  }

  private renderLedger() {
    return html`<section class="card" aria-labelledby="ledger-title">
      <div class="card-head"><h2 id="ledger-title">Transactions</h2>
        <label class="inline-label">Kind <select @change=${(e: Event) => { this.ledgerKind = (e.target as HTMLSelectElement).value; void this.ledger.reload(); }}>
          ${LEDGER_FILTERS.map((k) => html`<option value=${k} ?selected=${this.ledgerKind === k}>${k ? ledgerKindLabel(k) : 'All'}</option>`)}</select></label></div>
      ${this.ledger.error ? html`<div class="card-pad">${errorState(this.ledger.error, () => void this.ledger.retry())}</div>` : nothing}
      ${this.ledger.rows && this.ledger.rows.length === 0
        ? emptyState(this.ledgerKind ? `No ${ledgerKindLabel(this.ledgerKind).toLowerCase()} transactions` : 'No transactions yet', 'Credit purchases, GPU usage, plan fees and adjustments appear here.')
        : html`<div class="table-wrap"><table class="data ledger">
            <thead><tr><th>When</th><th>Kind</th><th>Description</th><th class="r">Amount</th></tr></thead>
            <tbody>${this.ledger.rows
              ? this.ledger.rows.map((t) => html`<tr data-txn=${t.id} data-kind=${t.kind}><td class="num muted">${formatDateTime(t.createdAt)}</td><td><span class="badge plain ${t.amountUsd > 0 ? 'green' : ''}">${ledgerKindLabel(t.kind)}</span></td>
                  <td class="desc">${t.description}${t.deploymentId ? html` · <a href="/deployments/${t.deploymentId}">deployment</a>` : nothing}</td>
                  <td class="r num strong ${t.amountUsd > 0 ? 'plus' : ''}">${formatSignedCost(t.amountUsd)}</td></tr>`)
              : loadingRows(4, 4)}</tbody></table></div>
          ${loadMoreButton(this.ledger)}`}
    </section>`;
  }

  override render() {
    return html`<div class="section">
      <div class="top">
        <div class="stack">${this.renderBalance()}
          <section class="card card-pad"><app-usage-chart></app-usage-chart></section>
        </div>
        ${this.renderAddCredit()}
      </div>
      <section class="card" aria-labelledby="usage-title">
        <div class="card-head"><h2 id="usage-title">Usage this month</h2>
          <div class="tabs" role="group" aria-label="Group usage by">
            ${(['gpu', 'deployment'] as const).map((g) => html`<button type="button" class="tab" aria-pressed=${this.groupBy === g ? 'true' : 'false'}
              @click=${() => { if (this.groupBy !== g) { this.groupBy = g; void this.loadUsage(); } }}>By ${g === 'gpu' ? 'GPU' : 'deployment'}</button>`)}
          </div></div>
        ${this.renderUsageTable()}
      </section>
      ${this.renderLedger()}
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    sectionStyles,
    css`
      .top { display: grid; grid-template-columns: minmax(0, 1fr) 340px; gap: var(--space-4); align-items: start; }
      @media (max-width: 1100px) { .top { grid-template-columns: minmax(0, 1fr); } }
      .balance { display: flex; justify-content: space-between; gap: var(--space-5); flex-wrap: wrap; align-items: flex-start; }
      .balance .main { display: flex; flex-direction: column; gap: 4px; }
      .big { font-size: var(--text-2xl); font-weight: 650; letter-spacing: -0.02em; line-height: 1.15; }
      .big-sk { height: 38px; width: 160px; }
      .figures { display: grid; grid-template-columns: repeat(2, minmax(120px, auto)); gap: var(--space-3) var(--space-6); margin: 0; }
      .figures dt { font-size: var(--text-xs); color: var(--text-muted); }
      .figures dd { margin: 0; font-weight: 600; }
      .add { display: flex; flex-direction: column; gap: var(--space-3); }
      .stack-sm { display: flex; flex-direction: column; gap: var(--space-4); }
      .amounts { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: var(--space-2); border: 0; padding: 0; margin: 0; }
      .chip { height: 34px; border-radius: var(--radius); border: 1px solid var(--border-strong); background: var(--surface); color: var(--text); font: inherit; font-size: var(--text-sm); font-weight: 600; cursor: pointer; font-variant-numeric: tabular-nums; }
      .chip:hover { background: var(--bg-hover); }
      .chip.on { border-color: var(--accent); background: var(--accent-soft); color: var(--accent); }
      .money { display: flex; align-items: center; border: 1px solid var(--border-strong); border-radius: var(--radius); background: var(--surface); padding-left: 10px; }
      .money span { color: var(--text-muted); }
      .money input { border: 0; flex: 1; padding-left: 4px; font-variant-numeric: tabular-nums; }
      .money:focus-within { outline: 2px solid var(--focus); outline-offset: 0; border-color: transparent; }
      .money input:focus-visible { outline: none; }
      .providers { border: 0; padding: 0; margin: 0; display: grid; grid-template-columns: 1fr 1fr; gap: var(--space-2); }
      .providers legend { font-size: var(--text-sm); font-weight: 550; margin-bottom: 6px; padding: 0; }
      .provider { display: flex; gap: 8px; align-items: flex-start; border: 1px solid var(--border-strong); border-radius: var(--radius); padding: 10px; cursor: pointer; font-size: var(--text-sm); }
      .provider > span { display: flex; flex-direction: column; line-height: 1.3; }
      .provider.on { border-color: var(--accent); background: var(--accent-soft); }
      .provider input { margin: 2px 0 0; accent-color: var(--accent); }
      .provider:focus-within { outline: 2px solid var(--focus); outline-offset: 1px; }
      .secure { text-align: center; }
      .error { color: var(--red); font-size: var(--text-xs); font-weight: 500; }
      .tabs { display: inline-flex; border: 1px solid var(--border-strong); border-radius: var(--radius); padding: 2px; gap: 2px; }
      .tab { all: unset; cursor: pointer; font-size: var(--text-xs); font-weight: 550; padding: 4px 10px; border-radius: 6px; color: var(--text-muted); }
      .tab[aria-pressed='true'] { background: var(--bg-muted); color: var(--text); }
      .tab:focus-visible { outline: 2px solid var(--focus); }
      tfoot td { font-weight: 600; border-top: 1px solid var(--border); background: var(--bg-subtle); }
      .strong { font-weight: 600; }
      .plus { color: var(--green); }
      .pad { padding: var(--space-4) var(--space-5); }
      td.desc { max-width: 520px; }
    `,
  ];
}

customElements.define('app-billing', BillingSection);
