// Dashboard overview (/app): the credit balance (with its warnings and "Add credit"), this month's
// spend against the cap (GET /v1/spend; owners set the cap), the month's usage by day, and the
// deployments that are not finished.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, messageOf, statesStyles, statusBadge, toast } from '../../components/ui';
import { balanceNotice } from '../../lib/billing';
import { formatCost, formatPrice } from '../../lib/format';
import { api, cachedGet, session } from '../../lib/session';
import type { Balance, Deployment, Page, Spend } from '../../lib/types';
import { sectionStyles } from './section-styles';
import './usage-chart';

export class OverviewSection extends LitElement {
  static override properties = {
    spend: { state: true },
    spendError: { state: true },
    balance: { state: true },
    balanceError: { state: true },
    active: { state: true },
    activeError: { state: true },
    editing: { state: true },
  };
  declare balance: Balance | null;
  declare balanceError: unknown;
  declare spend: Spend | null;
  declare spendError: unknown;
  declare active: Deployment[] | null;
  declare activeError: unknown;
  declare editing: boolean;

  constructor() {
    super();
    this.spend = null;
    this.spendError = null;
    this.balance = null;
    this.balanceError = null;
    this.active = null;
    this.activeError = null;
    this.editing = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadBalance();
    void this.loadSpend();
    void this.loadActive();
  }

  private async loadBalance() {
    this.balanceError = null;
    try {
      this.balance = await cachedGet<Balance>('/v1/billing/balance');
    } catch (err) {
      this.balanceError = err;
    }
  }

  private async loadSpend() {
    this.spendError = null;
    try {
      this.spend = await api.get<Spend>('/v1/spend');
    } catch (err) {
      this.spendError = err;
    }
  }

  private async loadActive() {
    this.activeError = null;
    try {
      const page = await api.get<Page<Deployment>>('/v1/deployments', { query: { limit: 50 } });
      this.active = page.data.filter((d) => d.status !== 'terminated' && d.status !== 'failed');
    } catch (err) {
      this.activeError = err;
    }
  }

  private async saveCap(e: SubmitEvent) {
    e.preventDefault();
    const text = String(new FormData(e.target as HTMLFormElement).get('cap') ?? '').trim();
    try {
      this.spend = await api.put<Spend>('/v1/spend/cap', { monthlyCapUsd: text === '' ? null : Number(text) });
      this.editing = false;
      toast(text === '' ? 'Spend cap removed' : 'Spend cap saved', 'ok');
    } catch (err) {
      toast(messageOf(err), 'error');
    }
  }

  private renderSpend() {
    if (this.spendError) return errorState(this.spendError, () => void this.loadSpend());
    const s = this.spend;
    if (!s) return html`<div class="skeleton sk-spend"></div>`;
    const share = s.monthlyCapUsd ? Math.min(1, s.spentThisMonthUsd / s.monthlyCapUsd) : 0;
    const month = new Date(s.monthStart).toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
    return html`<div class="spend">
      <div><span class="label">Deployment spend · ${month}</span><div class="stat num" data-testid="spend">${formatCost(s.spentThisMonthUsd)}</div>
        <span class="faint small">${s.monthlyCapUsd === null ? 'No monthly cap' : `of a ${formatCost(s.monthlyCapUsd)} cap`}</span></div>
      ${s.monthlyCapUsd !== null
        ? html`<div class="meter" role="meter" aria-label="Share of the monthly cap spent" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(share * 100)}>
            <span class=${share > 0.9 ? 'hot' : share > 0.7 ? 'warm' : ''} data-share=${Math.round(share * 100)}></span></div>`
        : nothing}
      ${session.can('owner')
        ? this.editing
          ? html`<form class="inline" @submit=${this.saveCap}><label class="field">Monthly cap (USD, empty for none)<input name="cap" type="number" min="0" step="any" .value=${s.monthlyCapUsd?.toString() ?? ''} /></label>
              <button class="btn btn-primary" type="submit">Save</button><button class="btn" type="button" @click=${() => (this.editing = false)}>Cancel</button></form>`
          : html`<button class="btn btn-sm" type="button" @click=${() => (this.editing = true)}>${s.monthlyCapUsd === null ? 'Set a cap' : 'Change cap'}</button>`
        : nothing}
    </div>`;
  }

  override updated() {
    // The meter's width is set through CSSOM: the CSP allows no inline style attributes.
    const bar = this.renderRoot.querySelector<HTMLElement>('.meter span');
    if (bar) bar.style.width = `${bar.dataset.share}%`;
  }

  private renderActive() {
    if (this.activeError) return errorState(this.activeError, () => void this.loadActive());
    if (!this.active) return html`<div class="card-pad"><div class="skeleton sk"></div></div>`;
    if (this.active.length === 0) return emptyState('Nothing running', 'Pick an offer in the market and deploy a pod on it.', html`<a class="btn btn-primary" href="/market">Open the market</a>`);
    return html`<div class="table-wrap"><table class="data">
      <thead><tr><th>Name</th><th>Status</th><th>GPU</th><th class="r">Price</th><th class="r">Cost so far</th></tr></thead>
      <tbody>${this.active.map((d) => html`<tr><td><a href="/deployments/${d.id}">${d.name}</a></td><td>${statusBadge(d.status)}</td><td>${d.gpuCount}× ${d.gpuModel} · ${d.provider}</td>
        <td class="r num">${formatPrice(d.quotedPricePerHourUsd)}/h</td><td class="r num">${formatCost(d.costSoFarUsd)}</td></tr>`)}</tbody></table></div>`;
  }

  private renderBalance() {
    if (this.balanceError) return errorState(this.balanceError, () => void this.loadBalance());
    const b = this.balance;
    const notice = b ? balanceNotice(b, Date.now()) : null;
    return html`<div class="bal">
      <div><span class="label">Available credit</span>
        ${b ? html`<div class="stat num" data-testid="available">${formatCost(b.availableUsd)}</div>` : html`<div class="skeleton sk-stat"></div>`}
        <span class="faint small">${b ? `Balance ${formatCost(b.balanceUsd)} · reserved ${formatCost(b.reservedUsd)}` : html`&nbsp;`}</span></div>
      ${notice ? html`<p class="notice ${notice.tone === 'info' ? '' : notice.tone} small" data-notice=${notice.code}>${notice.text}</p>` : nothing}
      <div class="row">${session.can('member') ? html`<a class="btn btn-primary btn-sm" href="/app/billing?add=50">Add credit</a>` : nothing}<a class="btn btn-sm" href="/app/billing">Billing</a></div>
    </div>`;
  }

  override render() {
    return html`<div class="section">
      <div class="pair">
        <section class="card card-pad">${this.renderBalance()}</section>
        <section class="card card-pad">${this.renderSpend()}</section>
      </div>
      <section class="card card-pad"><app-usage-chart></app-usage-chart></section>
      <section class="card">
        <div class="card-head"><h2>Active deployments</h2><a href="/app/deployments">All deployments →</a></div>
        ${this.renderActive()}
      </section>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    sectionStyles,
    css`
      .pair { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: var(--space-4); }
      @media (max-width: 900px) { .pair { grid-template-columns: minmax(0, 1fr); } }
      .pair > .card { display: flex; flex-direction: column; }
      .bal, .spend { display: flex; flex-direction: column; gap: var(--space-3); height: 100%; }
      .bal .row, .spend > .btn, .spend form { margin-top: auto; }
      .spend > .btn { align-self: flex-start; }
      .sk-stat { height: 30px; width: 140px; margin: 4px 0; }
      .meter { height: 8px; border-radius: 4px; background: var(--bg-muted); overflow: hidden; max-width: 480px; }
      .meter span { display: block; height: 100%; width: 0; background: var(--accent); border-radius: 4px; }
      .meter span.warm { background: var(--amber); }
      .meter span.hot { background: var(--red); }
      .sk-spend { height: 80px; width: 280px; }
    `,
  ];
}

customElements.define('app-overview', OverviewSection);
