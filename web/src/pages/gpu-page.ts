// GPU detail (/gpus/:model): specs and the market summary (GET /v1/gpus/{model}), a min/median/max
// price history over 24 h, 7 d or 30 d (…/history, drawn by the lazily loaded chart), and the
// cheapest offers right now.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../components/styles';
import { emptyState, errorState, statesStyles } from '../components/ui';
import { formatGb, formatInt, formatPrice, pricingLabel } from '../lib/format';
import { ApiError } from '../lib/api';
import { api } from '../lib/session';
import type { Gpu, History, Offer, Page } from '../lib/types';

const WINDOWS = [
  ['24h', '24 hours'],
  ['7d', '7 days'],
  ['30d', '30 days'],
] as const;

export class GpuPage extends LitElement {
  static override properties = {
    params: { attribute: false },
    gpu: { state: true },
    error: { state: true },
    history: { state: true },
    historyError: { state: true },
    window: { state: true },
    pricing: { state: true },
    offers: { state: true },
    chartReady: { state: true },
  };
  declare params: Record<string, string>;
  declare gpu: Gpu | null;
  declare error: unknown;
  declare history: History | null;
  declare historyError: unknown;
  declare window: string;
  declare pricing: string;
  declare offers: Offer[] | null;
  declare chartReady: boolean;

  constructor() {
    super();
    this.params = {};
    this.gpu = null;
    this.error = null;
    this.history = null;
    this.historyError = null;
    this.window = '24h';
    this.pricing = 'all';
    this.offers = null;
    this.chartReady = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The chart library loads beside the data, not before it.
    void import('../components/price-chart').then(() => (this.chartReady = true));
  }

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('params')) void this.load();
  }

  private get model() {
    return this.params.model ?? '';
  }

  private async load() {
    this.error = null;
    this.gpu = null;
    try {
      this.gpu = await api.get<Gpu>(`/v1/gpus/${encodeURIComponent(this.model)}`, { auth: 'none' });
      document.title = `${this.gpu.name} prices · GPUBroker`;
      void this.loadHistory();
      void this.loadOffers();
    } catch (err) {
      this.error = err;
    }
  }

  private async loadHistory() {
    this.historyError = null;
    try {
      this.history = await api.get<History>(`/v1/gpus/${encodeURIComponent(this.gpu!.name)}/history`, { query: { window: this.window, pricing: this.pricing }, auth: 'none' });
    } catch (err) {
      this.historyError = err;
    }
  }

  private async loadOffers() {
    try {
      const page = await api.get<Page<Offer>>('/v1/offers', { query: { gpu: this.gpu!.name, limit: 8, sort: 'pricePerGpuHour' }, auth: 'none' });
      this.offers = page.data;
    } catch {
      this.offers = [];
    }
  }

  private setWindow(w: string) {
    if (w === this.window) return;
    this.window = w;
    this.history = null;
    void this.loadHistory();
  }

  private setPricing(p: string) {
    this.pricing = p;
    this.history = null;
    void this.loadHistory();
  }

  private renderHistory() {
    if (this.historyError) return errorState(this.historyError, () => void this.loadHistory());
    if (!this.history || !this.chartReady) return html`<div class="skeleton chart-sk" aria-label="Loading price history"></div>`;
    if (this.history.data.length === 0) return emptyState('No history yet', 'Prices are recorded at every ingestion; come back in a few minutes.');
    const span = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 }[this.history.window] ?? 86_400;
    return html`<gpb-price-chart .points=${this.history.data} .spanSeconds=${span}></gpb-price-chart>`;
  }

  override render() {
    if (this.error) {
      const missing = this.error instanceof ApiError && this.error.status === 404;
      return html`<div class="page">${missing
        ? emptyState(`No GPU called “${this.model}”`, 'Pick one from the market.', html`<a class="btn" href="/market">Open the market</a>`)
        : errorState(this.error, () => void this.load())}</div>`;
    }
    const g = this.gpu;
    const m = g?.market;
    const stat = (label: string, value: string, testid?: string) => html`<div class="card card-pad stat-card"><span class="label">${label}</span><span class="stat" data-testid=${testid ?? nothing}>${value}</span></div>`;
    return html`<div class="page">
      <nav class="crumbs" aria-label="Breadcrumb"><a href="/market">Market</a><span aria-hidden="true">/</span><span aria-current="page">${g?.name ?? this.model}</span></nav>
      <div class="page-head">
        <div>
          <h1>${g?.name ?? this.model}</h1>
          <p>${g ? html`${g.vendor} ${g.architecture} · ${formatGb(g.vramGb)} · ${g.formFactor}${g.aliases.length ? html` · <span class="faint">also ${g.aliases.slice(0, 4).join(', ')}</span>` : nothing}` : html`<span class="skeleton line-sk"></span>`}</p>
        </div>
        <a class="btn btn-primary" href="/market?gpu=${encodeURIComponent(g?.name ?? this.model)}">See all offers</a>
      </div>
      <div class="stats">
        ${stat('Cheapest / GPU·h', m ? formatPrice(m.minPricePerGpuHourUsd) : '…', 'min-price')}
        ${stat('Median / GPU·h', m ? formatPrice(m.medianPricePerGpuHourUsd) : '…')}
        ${stat('Highest / GPU·h', m ? formatPrice(m.maxPricePerGpuHourUsd) : '…')}
        ${stat('Listed offers', m ? `${formatInt(m.offers)} · ${m.providers} ${m.providers === 1 ? 'provider' : 'providers'}` : '…')}
      </div>
      <section class="card">
        <div class="card-head">
          <h2>Price history</h2>
          <div class="row">
            <select aria-label="Pricing type" @change=${(e: Event) => this.setPricing((e.target as HTMLSelectElement).value)}>
              ${['all', 'on_demand', 'spot', 'interruptible'].map((p) => html`<option value=${p} ?selected=${this.pricing === p}>${p === 'all' ? 'All pricing' : pricingLabel(p)}</option>`)}
            </select>
            <div class="tabs" role="group" aria-label="Time window">
              ${WINDOWS.map(([w, label]) => html`<button type="button" class="tab" aria-pressed=${this.window === w ? 'true' : 'false'} aria-label=${label} @click=${() => this.setWindow(w)}>${w}</button>`)}
            </div>
          </div>
        </div>
        <div class="card-pad chart">${this.renderHistory()}</div>
      </section>
      <div class="two">
        <section class="card">
          <div class="card-head"><h2>Specifications</h2></div>
          <dl class="specs">
            <dt>Memory</dt><dd class="num">${g ? formatGb(g.vramGb) : '…'}</dd>
            <dt>Memory bandwidth</dt><dd class="num">${g ? `${formatInt(g.memoryBandwidthGbps)} GB/s` : '…'}</dd>
            <dt>FP16 tensor (dense)</dt><dd class="num">${g ? `${formatInt(g.fp16Tflops)} TFLOPS` : '…'}</dd>
            <dt>BF16 tensor (dense)</dt><dd class="num">${g ? (g.bf16Tflops ? `${formatInt(g.bf16Tflops)} TFLOPS` : 'not supported') : '…'}</dd>
            <dt>Architecture</dt><dd>${g?.architecture ?? '…'}</dd>
            <dt>Form factor</dt><dd>${g?.formFactor ?? '…'}</dd>
          </dl>
          ${m && Object.keys(m.byPricing).length
            ? html`<table class="data by-pricing"><thead><tr><th>Pricing</th><th class="r">Offers</th><th class="r">Min</th><th class="r">Median</th><th class="r">Max</th></tr></thead>
              <tbody>${Object.entries(m.byPricing).map(([p, s]) => html`<tr><td>${pricingLabel(p)}</td><td class="r num">${s.offers}</td><td class="r num">${formatPrice(s.minPricePerGpuHourUsd)}</td><td class="r num">${formatPrice(s.medianPricePerGpuHourUsd)}</td><td class="r num">${formatPrice(s.maxPricePerGpuHourUsd)}</td></tr>`)}</tbody></table>`
            : nothing}
        </section>
        <section class="card">
          <div class="card-head"><h2>Cheapest now</h2><a href="/market?gpu=${encodeURIComponent(g?.name ?? this.model)}" class="tiny-link">All offers →</a></div>
          ${this.offers === null
            ? html`<div class="card-pad"><div class="skeleton list-sk"></div></div>`
            : this.offers.length === 0
              ? emptyState('No listed offers', 'No provider lists this GPU right now.')
              : html`<table class="data"><tbody>${this.offers.map(
                  (o) => html`<tr><td>${o.gpuCount}× · ${o.provider}<div class="faint tiny">${o.region} · ${pricingLabel(o.pricing)}</div></td>
                    <td class="r num strong">${formatPrice(o.pricePerGpuHourUsd)}<div class="faint tiny">${formatPrice(o.pricePerHourUsd)}/h</div></td>
                    <td class="r"><a class="btn btn-sm" href="/deploy/${o.id}">Deploy</a></td></tr>`,
                )}</tbody></table>`}
        </section>
      </div>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    css`
      .crumbs { display: flex; gap: 8px; font-size: var(--text-sm); color: var(--text-muted); margin-bottom: var(--space-3); }
      .crumbs a { color: var(--text-muted); }
      .stats { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: var(--space-3); margin-bottom: var(--space-4); }
      @media (max-width: 860px) { .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
      .stat-card { display: flex; flex-direction: column; gap: 6px; padding: var(--space-4); }
      .stat-card .stat { font-size: var(--text-lg); }
      .chart { min-height: 330px; }
      .chart-sk { height: 300px; }
      .line-sk { display: inline-block; height: 12px; width: 240px; }
      .list-sk { height: 200px; }
      .tabs { display: inline-flex; border: 1px solid var(--border-strong); border-radius: var(--radius); padding: 2px; gap: 2px; }
      .tab { all: unset; cursor: pointer; font-size: var(--text-xs); font-weight: 550; padding: 4px 10px; border-radius: 6px; color: var(--text-muted); }
      .tab[aria-pressed='true'] { background: var(--bg-muted); color: var(--text); }
      .tab:focus-visible { outline: 2px solid var(--focus); }
      select { height: 30px; }
      .two { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: var(--space-4); margin-top: var(--space-4); align-items: start; }
      @media (max-width: 860px) { .two { grid-template-columns: 1fr; } }
      .specs { display: grid; grid-template-columns: auto 1fr; gap: 10px var(--space-4); padding: var(--space-5); margin: 0; font-size: var(--text-sm); }
      .specs dt { color: var(--text-muted); }
      .specs dd { margin: 0; text-align: right; font-weight: 550; }
      .by-pricing { border-top: 1px solid var(--border); }
      .strong { font-weight: 620; }
      .tiny { font-size: 11px; }
      .tiny-link { font-size: var(--text-sm); }
      table.data td { height: 48px; }
    `,
  ];
}

customElements.define('gpu-page', GpuPage);
