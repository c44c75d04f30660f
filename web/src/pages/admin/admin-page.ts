// Admin (/admin, platform admins only): revenue and usage KPIs over a window with per-day charts
// (GET /v1/admin/overview), provider health with 7-day uptime (GET /v1/market/providers), tenants with
// search, plan filter and credit adjustments, the billing alerts feed and failed payment webhooks.
// The page asks nothing of the API for anyone else (who would be refused anyway).
import { css, html, LitElement, nothing } from 'lit';
import type { ChartSpec } from '../../components/chart';
import { base } from '../../components/styles';
import { emptyState, errorState, loadingRows, statesStyles } from '../../components/ui';
import { adminDaily } from '../../lib/chart-data';
import { formatCost, formatInt, formatShare, formatUsdCompact } from '../../lib/format';
import { describeIndex, healthTone, sortProviders } from '../../lib/providers';
import { api, session } from '../../lib/session';
import type { AdminOverview, AdminWindow, ProviderAnalytics } from '../../lib/types';
import { adminStyles } from './admin-styles';
import './alerts-panel';
import './tenants-panel';
import './webhooks-panel';

const WINDOWS: AdminWindow[] = ['24h', '7d', '30d', '90d'];

export class AdminPage extends LitElement {
  static override properties = { overview: { state: true }, error: { state: true }, window: { state: true }, providers: { state: true }, chartReady: { state: true } };
  declare overview: AdminOverview | null;
  declare error: unknown;
  declare window: AdminWindow;
  declare providers: ProviderAnalytics[] | null;
  declare chartReady: boolean;

  constructor() {
    super();
    this.overview = null;
    this.error = null;
    this.window = '30d';
    this.providers = null;
    this.chartReady = false;
  }

  private get allowed(): boolean {
    return session.me?.user?.isPlatformAdmin === true;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.allowed) return;
    void import('../../components/chart').then(() => (this.chartReady = true));
    void this.load();
    void this.loadProviders();
  }

  private async load() {
    this.error = null;
    try {
      this.overview = await api.get<AdminOverview>('/v1/admin/overview', { query: { window: this.window } });
    } catch (err) {
      this.error = err;
    }
  }

  private async loadProviders() {
    try {
      this.providers = sortProviders((await api.get<{ data: ProviderAnalytics[] }>('/v1/market/providers', { auth: 'none' })).data).filter((p) => p.enabled);
    } catch {
      this.providers = [];
    }
  }

  private setWindow(w: AdminWindow) {
    if (w === this.window) return;
    this.window = w;
    this.overview = null;
    void this.load();
  }

  override updated() {
    for (const bar of this.renderRoot.querySelectorAll<HTMLElement>('.meter span[data-share]')) bar.style.width = `${bar.dataset.share}%`;
  }

  private renderKpis(o: AdminOverview | null) {
    const r = o?.revenue;
    const d = o?.deployments;
    const kpi = (label: string, value: string | undefined, note: string | undefined, testid: string) => html`<div class="card kpi" data-kpi=${testid}>
      <span class="label">${label}</span>${value === undefined ? html`<span class="skeleton kpi-sk"></span>` : html`<span class="stat num" data-testid=${testid}>${value}</span>`}
      <span class="faint small">${note ?? '\u00a0'}</span></div>`;
    return html`<div class="kpis">
      ${kpi('Credit bought', r && formatCost(r.creditPurchasedUsd), r && `${formatCost(r.refundedUsd)} refunded · ${formatCost(r.disputedUsd)} disputed`, 'credit-bought')}
      ${kpi('Margin earned', r && formatCost(r.marginUsd), r && `on ${formatCost(r.usageChargedUsd)} of GPU time charged`, 'margin')}
      ${kpi('Plan fees', r && formatCost(r.subscriptionUsd), r && `${formatCost(r.adjustmentsUsd)} adjustments`, 'fees')}
      ${kpi('Credit owed', o ? formatCost(o.outstandingCreditUsd) : undefined, 'held by tenants, unspent', 'outstanding')}
      ${kpi('Tenants', o ? formatInt(o.tenants.total) : undefined, o ? `+${formatInt(o.tenants.newInWindow)} in the window · ${formatInt(o.users.total)} users` : undefined, 'tenants')}
      ${kpi('Deployments created', d && formatInt(d.createdInWindow), d && `${formatInt(d.failedInWindow)} failed · ${d.reachedRunningShare === null ? '—' : formatShare(d.reachedRunningShare)} reached running`, 'deployments')}
      ${kpi('Running now', d && formatInt(d.running), d && `${formatInt(d.active)} active in all`, 'running')}
      ${kpi('GPU-hours', d && formatInt(Math.round(d.gpuHoursInWindow)), 'run by deployments created in the window', 'gpu-hours')}
    </div>`;
  }

  private renderCharts(o: AdminOverview | null) {
    if (!o || !this.chartReady) return html`<div class="charts"><div class="card skeleton chart-sk"></div><div class="card skeleton chart-sk"></div></div>`;
    const revenue = adminDaily(o.daily, 'revenue');
    const margin = adminDaily(o.daily, 'margin');
    const signups = adminDaily(o.daily, 'signups');
    const deployments = adminDaily(o.daily, 'deployments');
    const money: ChartSpec = {
      columns: { x: revenue.x, series: [revenue.series[0]!, margin.series[0]!] },
      series: [{ label: 'Revenue', tone: 'accent', kind: 'bar' }, { label: 'Margin', tone: 'green', width: 2 }],
      y: 'usd',
      x: 'day',
      height: 220,
    };
    const activity: ChartSpec = {
      columns: { x: signups.x, series: [signups.series[0]!, deployments.series[0]!] },
      series: [{ label: 'Signups', tone: 'blue', width: 2 }, { label: 'Deployments', tone: 'amber', width: 2 }],
      y: 'count',
      x: 'day',
      height: 220,
    };
    const total = revenue.series[0]!.reduce<number>((s, v) => s + (v ?? 0), 0);
    return html`<div class="charts">
      <section class="card card-pad"><div class="chart-head"><h2>Revenue per day</h2><span class="faint small">credit bought + plan fees: ${formatUsdCompact(total)}</span></div>
        ${o.daily.length ? html`<gpb-chart .spec=${money} label="Revenue and margin per day over the last ${o.window}"></gpb-chart>` : html`<p class="muted small">No days in this window.</p>`}</section>
      <section class="card card-pad"><div class="chart-head"><h2>Signups and deployments</h2><span class="faint small">per day, UTC</span></div>
        ${o.daily.length ? html`<gpb-chart .spec=${activity} label="Signups and deployments created per day over the last ${o.window}"></gpb-chart>` : html`<p class="muted small">No days in this window.</p>`}</section>
    </div>`;
  }

  private renderProviders() {
    const rows = this.providers;
    return html`<section class="card" aria-labelledby="health-title">
      <div class="card-head"><h2 id="health-title">Provider health</h2><a href="/providers" class="small">Public view →</a></div>
      ${rows && rows.length === 0
        ? emptyState('No providers enabled', 'Set a provider key to pull its market.')
        : html`<div class="table-wrap"><table class="data">
            <thead><tr><th>Provider</th><th>Status</th><th class="r">Offers</th><th>Uptime, 7 days</th><th class="r">Failures in a row</th><th class="r">Price index</th></tr></thead>
            <tbody>${rows
              ? rows.map((p) => html`<tr data-provider=${p.id}><td class="strong">${p.name}</td>
                  <td><span class="badge ${healthTone(p.health.status)}">${p.health.status}</span></td>
                  <td class="r num">${formatInt(p.offers)}</td>
                  <td>${p.uptime7d
                    ? html`<span class="meter"><span class=${p.uptime7d.uptime >= 0.99 ? 'good' : p.uptime7d.uptime >= 0.95 ? 'fair' : 'poor'} data-share=${Math.round(p.uptime7d.uptime * 1000) / 10}></span></span>
                        <span class="num">${formatShare(p.uptime7d.uptime)}</span> <span class="faint small">${formatInt(p.uptime7d.pulls)} pulls</span>`
                    : html`<span class="faint">—</span>`}</td>
                  <td class="r num ${p.health.consecutiveFailures ? 'bad' : 'muted'}">${p.health.consecutiveFailures}</td>
                  <td class="r num">${p.priceIndex === null ? '—' : p.priceIndex.toFixed(2)} <span class="faint small">${describeIndex(p.priceIndex).text}</span></td></tr>`)
              : loadingRows(2, 6)}</tbody></table></div>`}
    </section>`;
  }

  override render() {
    if (!this.allowed) {
      return html`<div class="page">${emptyState('Platform admins only', 'This area is for GPUBroker staff.', html`<a class="btn" href="/app">Go to your dashboard</a>`)}</div>`;
    }
    const o = this.overview;
    return html`<div class="page">
      <div class="page-head">
        <div><span class="label">GPUBroker staff</span><h1>Platform</h1>
          <p>${o ? `${new Date(o.from).toLocaleString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })} – now, from the ledger` : 'Revenue, usage, tenants and operations across every tenant.'}</p></div>
        <div class="tabs" role="group" aria-label="Window">
          ${WINDOWS.map((w) => html`<button type="button" class="tab" aria-pressed=${this.window === w ? 'true' : 'false'} @click=${() => this.setWindow(w)}>${w}</button>`)}
        </div>
      </div>
      ${this.error ? errorState(this.error, () => void this.load()) : nothing}
      ${this.renderKpis(o)}
      ${this.renderCharts(o)}
      ${this.renderProviders()}
      <admin-tenants></admin-tenants>
      <div class="ops">
        <admin-alerts></admin-alerts>
        <admin-webhooks></admin-webhooks>
      </div>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    adminStyles,
    css`
      .page > * + * { margin-top: var(--space-4); }
      .page > .page-head + * { margin-top: 0; }
      .kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: var(--space-3); }
      @media (max-width: 1000px) { .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
      .kpi { padding: var(--space-4); display: flex; flex-direction: column; gap: 4px; min-width: 0; }
      .kpi .stat { font-size: var(--text-xl); }
      .kpi span.faint { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
      .kpi-sk { height: 30px; width: 60%; }
      .charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: var(--space-4); }
      @media (max-width: 1000px) { .charts { grid-template-columns: minmax(0, 1fr); } }
      .chart-sk { height: 300px; border: 0; }
      .chart-head { display: flex; justify-content: space-between; align-items: baseline; gap: var(--space-3); margin-bottom: var(--space-3); flex-wrap: wrap; }
      .chart-head h2 { font-size: var(--text-base); }
      .ops { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: var(--space-4); align-items: start; }
      @media (max-width: 1000px) { .ops { grid-template-columns: minmax(0, 1fr); } }
      .meter { display: inline-block; width: 80px; height: 6px; border-radius: 3px; background: var(--bg-muted); overflow: hidden; vertical-align: middle; margin-right: 6px; }
      .meter span { display: block; height: 100%; width: 0; }
      .meter .good { background: var(--green); }
      .meter .fair { background: var(--amber); }
      .meter .poor { background: var(--red); }
      .bad { color: var(--red); }
    `,
  ];
}

customElements.define('admin-page', AdminPage);
