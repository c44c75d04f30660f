// Providers (/providers): every provider's health, 7-day uptime from the hourly health history, price
// index against the market median, listed offers and price freshness (GET /v1/market/providers), with
// why a provider is off (GET /v1/providers). Public data, read anonymously.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../components/styles';
import { errorState, loadingRows, statesStyles } from '../components/ui';
import { formatAge, formatInt, formatShare } from '../lib/format';
import { describeIndex, healthTone, sortProviders } from '../lib/providers';
import { api } from '../lib/session';
import type { ProviderAnalytics } from '../lib/types';
import { marketTabs, marketTabsStyles } from './market-tabs';

interface ProviderStatus {
  id: string;
  enabled: boolean;
  disabledReason: string | null;
  lastError: string | null;
}

export class ProvidersPage extends LitElement {
  static override properties = { rows: { state: true }, status: { state: true }, updatedAt: { state: true }, error: { state: true } };
  declare rows: ProviderAnalytics[] | null;
  declare status: Map<string, ProviderStatus>;
  declare updatedAt: string | null;
  declare error: unknown;

  constructor() {
    super();
    this.rows = null;
    this.status = new Map();
    this.updatedAt = null;
    this.error = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    this.error = null;
    try {
      const [analytics, status] = await Promise.all([
        api.get<{ updatedAt: string | null; data: ProviderAnalytics[] }>('/v1/market/providers', { auth: 'none' }),
        api.get<{ data: ProviderStatus[] }>('/v1/providers', { auth: 'none' }).catch(() => ({ data: [] })),
      ]);
      this.rows = sortProviders(analytics.data);
      this.updatedAt = analytics.updatedAt;
      this.status = new Map(status.data.map((s) => [s.id, s]));
    } catch (err) {
      this.error = err;
    }
  }

  private renderUptime(p: ProviderAnalytics) {
    const u = p.uptime7d;
    if (!u) return html`<span class="faint">no pulls yet</span>`;
    const tone = u.uptime >= 0.99 ? 'good' : u.uptime >= 0.95 ? 'fair' : 'poor';
    return html`<div class="uptime"><span class="meter" role="img" aria-label="${formatShare(u.uptime)} of pulls succeeded"><span class=${tone} data-share=${Math.round(u.uptime * 1000) / 10}></span></span>
      <span class="num">${formatShare(u.uptime)}</span></div>
      <div class="faint tiny num">${formatInt(u.pulls)} pulls · ${formatInt(u.failures)} failed${u.skipped ? ` · ${formatInt(u.skipped)} skipped` : ''}</div>`;
  }

  override updated() {
    // Meter widths through CSSOM: the CSP allows no inline style attributes.
    for (const bar of this.renderRoot.querySelectorAll<HTMLElement>('.meter span[data-share]')) bar.style.width = `${bar.dataset.share}%`;
  }

  private renderRow(p: ProviderAnalytics) {
    const s = this.status.get(p.id);
    const idx = describeIndex(p.priceIndex);
    if (!p.enabled) {
      return html`<tr class="off" data-provider=${p.id}><td class="name">${p.name}</td>
        <td><span class="badge plain">off</span></td>
        <td colspan="5" class="muted reason">${s?.disabledReason ?? 'Not enabled'}</td></tr>`;
    }
    return html`<tr data-provider=${p.id}>
      <td class="name">${p.name}${p.health.consecutiveFailures > 0 ? html`<div class="faint tiny">${p.health.consecutiveFailures} failed pulls in a row</div>` : nothing}</td>
      <td><span class="badge ${healthTone(p.health.status)}" data-health=${p.health.status}>${p.health.status}</span></td>
      <td class="r num">${formatInt(p.offers)}</td>
      <td class="r"><span class="num strong">${p.priceIndex === null ? '—' : p.priceIndex.toFixed(2)}</span><div class="tiny ${idx.tone}">${idx.text}</div></td>
      <td>${this.renderUptime(p)}</td>
      <td class="r num muted">${p.uptime7d?.avgLatencyMs ? `${formatInt(p.uptime7d.avgLatencyMs)} ms` : '—'}</td>
      <td class="r num muted">${p.freshness.newestObservedAt ? html`<gpb-age at=${p.freshness.newestObservedAt}></gpb-age>` : '—'}
        ${p.freshness.medianAgeSeconds !== null ? html`<div class="faint tiny">median ${formatAge(p.freshness.medianAgeSeconds)}</div>` : nothing}</td>
    </tr>`;
  }

  override render() {
    const rows = this.rows;
    const on = rows?.filter((p) => p.enabled) ?? [];
    const healthy = on.filter((p) => p.health.status === 'healthy').length;
    const offers = on.reduce((s, p) => s + p.offers, 0);
    const cheapest = on.filter((p) => p.priceIndex !== null).sort((a, b) => a.priceIndex! - b.priceIndex!)[0];
    const stat = (label: string, value: string, note: string) => html`<div class="card card-pad kpi"><span class="label">${label}</span><span class="stat num">${value}</span><span class="faint small">${note}</span></div>`;
    return html`<div class="page">
      <div class="page-head">
        <div><h1>Providers</h1><p>Which clouds answer, how reliably, and how their prices compare with the market.</p></div>
        ${marketTabs('providers')}
      </div>
      ${this.error ? errorState(this.error, () => void this.load()) : nothing}
      <div class="kpis">
        ${stat('Providers answering', rows ? `${healthy} of ${on.length}` : '…', 'healthy now, of those enabled')}
        ${stat('Listed offers', rows ? formatInt(offers) : '…', 'available or limited')}
        ${stat('Lowest price index', cheapest ? cheapest.priceIndex!.toFixed(2) : '—', cheapest ? `${cheapest.name}: ${describeIndex(cheapest.priceIndex).text}` : 'needs offers of known GPUs')}
        ${stat('Updated', this.updatedAt ? formatAge((Date.now() - Date.parse(this.updatedAt)) / 1000) : '—', 'by the last ingestion')}
      </div>
      <section class="card">
        <div class="table-wrap"><table class="data providers">
          <caption class="sr-only">Providers with health, offers, price index, uptime over 7 days, pull latency and price age</caption>
          <thead><tr><th>Provider</th><th>Health</th><th class="r">Offers</th><th class="r" title="Median of its price per GPU-hour over the market median of the same GPU and pricing type">Price index</th>
            <th>Uptime, 7 days</th><th class="r">Pull latency</th><th class="r">Newest price</th></tr></thead>
          <tbody>${rows ? rows.map((p) => this.renderRow(p)) : loadingRows(5, 7)}</tbody>
        </table></div>
        <p class="foot faint small">Price index 1.00 is the market median of the same GPU model and pricing type; 0.90 is 10% cheaper. Uptime counts the ingestion passes whose pull succeeded (an open circuit breaker counts as down).</p>
      </section>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    marketTabsStyles,
    css`
      .kpis { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: var(--space-3); margin-bottom: var(--space-4); }
      @media (max-width: 900px) { .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
      .kpi { display: flex; flex-direction: column; gap: 4px; padding: var(--space-4); }
      .kpi .stat { font-size: var(--text-lg); }
      .small { font-size: var(--text-xs); }
      .tiny { font-size: 11px; }
      .table-wrap { overflow-x: auto; }
      table.providers { min-width: 860px; }
      table.providers td { height: 56px; }
      td.name { font-weight: 600; position: sticky; left: 0; background: var(--surface); }
      tr.off td { color: var(--text-faint); height: 44px; }
      td.reason { white-space: normal; }
      .strong { font-weight: 600; }
      .good, .cheap { color: var(--green); }
      .dear { color: var(--red); }
      .uptime { display: flex; align-items: center; gap: 8px; }
      .meter { display: inline-block; width: 96px; height: 6px; border-radius: 3px; background: var(--bg-muted); overflow: hidden; }
      .meter span { display: block; height: 100%; width: 0; border-radius: 3px; }
      .meter .good { background: var(--green); }
      .meter .fair { background: var(--amber); }
      .meter .poor { background: var(--red); }
      .foot { padding: var(--space-3) var(--space-5); border-top: 1px solid var(--border); }
    `,
  ];
}

customElements.define('providers-page', ProvidersPage);
