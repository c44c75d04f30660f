// GPU detail (/gpus/:model): specs and the market (GET /v1/gpus/{model}), the price distribution
// with its 24 h / 7 d change (GET /v1/market/summary), a min/median/max price history over 24 h, 7 d
// or 30 d (…/history), the forecast of the median with its intervals and back-test error
// (…/forecast, an estimate), both drawn by the lazily loaded chart library, and the cheapest offers.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../components/styles';
import { emptyState, errorState, statesStyles } from '../components/ui';
import { formatChangePercent, formatGb, formatInt, formatPrice, formatShare, pricingLabel } from '../lib/format';
import { ApiError } from '../lib/api';
import { forecastColumns, historyColumns } from '../lib/chart-data';
import { api } from '../lib/session';
import type { Forecast, Gpu, History, MarketSummaryRow, MedianChange, Offer, Page } from '../lib/types';
import type { ChartSpec } from '../components/chart';

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
    summary: { state: true },
    forecast: { state: true },
    forecastError: { state: true },
  };
  declare summary: MarketSummaryRow[] | null;
  declare forecast: Forecast | null;
  declare forecastError: unknown;
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
    this.summary = null;
    this.forecast = null;
    this.forecastError = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The chart library loads beside the data, not before it.
    void import('../components/chart').then(() => (this.chartReady = true));
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
      void this.loadSummary();
      void this.loadForecast();
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

  private async loadSummary() {
    try {
      this.summary = (await api.get<{ data: MarketSummaryRow[] }>('/v1/market/summary', { query: { gpu: this.gpu!.name }, auth: 'none' })).data;
    } catch {
      this.summary = [];
    }
  }

  private async loadForecast() {
    this.forecastError = null;
    this.forecast = null;
    try {
      this.forecast = await api.get<Forecast>(`/v1/gpus/${encodeURIComponent(this.gpu!.name)}/forecast`, { query: { horizonHours: 24, pricing: this.pricing }, auth: 'none' });
    } catch (err) {
      this.forecastError = err;
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
    void this.loadForecast();
  }

  private renderForecast() {
    if (this.forecastError) return errorState(this.forecastError, () => void this.loadForecast());
    const f = this.forecast;
    if (!f || !this.chartReady) return html`<div class="skeleton fc-sk" aria-label="Loading the forecast"></div>`;
    if (f.forecast.length === 0) {
      return html`<div class="fc-empty"><strong>No forecast yet</strong><span class="muted">${f.reason ? f.reason.charAt(0).toUpperCase() + f.reason.slice(1) : 'Not enough history.'}. It needs a day of hourly medians.</span></div>`;
    }
    const since = Date.now() - 48 * 3_600_000;
    const spec: ChartSpec = {
      columns: forecastColumns(this.history?.data ?? [], f.forecast, since),
      series: [
        { label: 'Median', tone: 'accent', width: 2 },
        { label: 'Forecast', tone: 'accent', width: 2, dash: true },
        { label: '80% low', tone: 'accent', width: 0, legend: false },
        { label: '80% high', tone: 'accent', width: 0, legend: false },
        { label: '95% low', tone: 'accent', width: 0, legend: false },
        { label: '95% high', tone: 'accent', width: 0, legend: false },
      ],
      bands: [
        { upper: 5, lower: 4, tone: 'accent', alpha: 0.08 },
        { upper: 3, lower: 2, tone: 'accent', alpha: 0.16 },
      ],
      y: 'price',
      x: 'time',
      height: 240,
    };
    const last = f.forecast[f.forecast.length - 1]!;
    const bt = f.backtest;
    return html`<gpb-chart .spec=${spec} label="Median price per GPU-hour with a ${f.forecast.length}-hour forecast, an estimate: ${formatPrice(last.pricePerGpuHourUsd)} in ${f.forecast.length} h, 80% interval ${formatPrice(last.lower80Usd)} to ${formatPrice(last.upper80Usd)}"></gpb-chart>
      <div class="fc-facts">
        <div><span class="label">In ${f.forecast.length} h</span><span class="num strong" data-testid="forecast-end">${formatPrice(last.pricePerGpuHourUsd)}</span><span class="faint tiny">80%: ${formatPrice(last.lower80Usd)} – ${formatPrice(last.upper80Usd)}</span></div>
        ${bt
          ? html`<div><span class="label">Back-test error</span><span class="num strong" data-testid="backtest">${formatPrice(bt.maeUsd)} MAE · ${bt.mapePercent.toFixed(1)}%</span><span class="faint tiny">over ${bt.points} held-out hours; “no change” errs ${formatPrice(bt.naiveMaeUsd)}</span></div>`
          : nothing}
        <div><span class="label">Method</span><span class="strong">Holt’s linear trend</span><span class="faint tiny">${f.parameters ? `α ${f.parameters.alpha.toFixed(2)} · β ${f.parameters.beta.toFixed(2)} · ` : ''}${f.history.points} hourly medians</span></div>
      </div>
      <p class="faint tiny note">${f.note}</p>`;
  }

  private renderChange(label: string, c: MedianChange | null) {
    if (!c) return html`<span class="chg faint">${label} —</span>`;
    const dir = c.percent > 0 ? 'up' : c.percent < 0 ? 'down' : '';
    return html`<span class="chg ${dir}" title="Median then: ${formatPrice(c.fromMedianPricePerGpuHourUsd)}">${label} ${formatChangePercent(c.percent)}</span>`;
  }

  private renderHistory() {
    if (this.historyError) return errorState(this.historyError, () => void this.loadHistory());
    if (!this.history || !this.chartReady) return html`<div class="skeleton chart-sk" aria-label="Loading price history"></div>`;
    if (this.history.data.length === 0) return emptyState('No history yet', 'Prices are recorded at every ingestion; come back in a few minutes.');
    const span = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 }[this.history.window] ?? 86_400;
    const now = Date.now() / 1000;
    // The x axis always spans the chosen window, however few points there are.
    const spec: ChartSpec = {
      columns: historyColumns(this.history.data),
      series: [
        { label: 'Min', tone: 'green', width: 1.5, sparseDots: true },
        { label: 'Median', tone: 'accent', width: 2.25, sparseDots: true },
        { label: 'Max', tone: 'red', width: 1.5, sparseDots: true },
      ],
      bands: [{ upper: 2, lower: 0, tone: 'accent', alpha: 0.08 }],
      y: 'price',
      x: 'time',
      xRange: [now - span, now],
      height: 280,
    };
    return html`<gpb-chart data-chart="history" .spec=${spec} label="Price per GPU-hour over time: minimum, median and maximum"></gpb-chart>`;
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
    const row = this.summary?.find((r) => r.pricing === this.pricing) ?? null;
    const noRow = this.summary !== null && row === null;
    const stat = (label: string, value: string, testid?: string, foot?: unknown) =>
      html`<div class="card card-pad stat-card"><span class="label">${label}</span><span class="stat num" data-testid=${testid ?? nothing}>${value}</span>${foot ?? html`<span class="foot">&nbsp;</span>`}</div>`;
    return html`<div class="page">
      <nav class="crumbs" aria-label="Breadcrumb"><a href="/market">Market</a><span aria-hidden="true">/</span><span aria-current="page">${g?.name ?? this.model}</span></nav>
      <div class="page-head">
        <div>
          <h1>${g?.name ?? this.model}</h1>
          <p>${g ? html`${g.vendor} ${g.architecture} · ${formatGb(g.vramGb)} · ${g.formFactor}${g.aliases.length ? html` · <span class="faint">also ${g.aliases.slice(0, 4).join(', ')}</span>` : nothing}` : html`<span class="skeleton line-sk"></span>`}</p>
        </div>
        <div class="row">
          <label class="inline-label">Pricing
            <select name="pricing" @change=${(e: Event) => this.setPricing((e.target as HTMLSelectElement).value)}>
              ${['all', 'on_demand', 'spot', 'interruptible'].map((p) => html`<option value=${p} ?selected=${this.pricing === p}>${p === 'all' ? 'All types' : pricingLabel(p)}</option>`)}
            </select></label>
          <a class="btn btn-primary" href="/market?gpu=${encodeURIComponent(g?.name ?? this.model)}">See all offers</a>
        </div>
      </div>
      <div class="stats" aria-label="Market for ${this.pricing === 'all' ? 'all pricing types' : pricingLabel(this.pricing)}">
        ${stat('Cheapest / GPU·h', row ? formatPrice(row.minPricePerGpuHourUsd) : m && this.pricing === 'all' ? formatPrice(m.minPricePerGpuHourUsd) : noRow ? '—' : '…', 'min-price',
          html`<span class="foot faint">highest ${row ? formatPrice(row.maxPricePerGpuHourUsd) : '—'}</span>`)}
        ${stat('Median / GPU·h', row ? formatPrice(row.medianPricePerGpuHourUsd) : noRow ? '—' : '…', 'median-price',
          html`<span class="foot">${this.renderChange('24 h', row?.change24h ?? null)}${this.renderChange('7 d', row?.change7d ?? null)}</span>`)}
        ${stat('Middle half', row ? `${formatPrice(row.p25PricePerGpuHourUsd)} – ${formatPrice(row.p75PricePerGpuHourUsd)}` : noRow ? '—' : '…', 'quartiles',
          html`<span class="foot faint">25th to 75th percentile</span>`)}
        ${stat('Listed offers', row ? formatInt(row.offers) : noRow ? '0' : '…', 'offers',
          html`<span class="foot faint">${row ? `${row.providers} ${row.providers === 1 ? 'provider' : 'providers'} · ${formatShare(row.availability.availableShare)} available` : '\u00a0'}</span>`)}
      </div>
      <section class="card">
        <div class="card-head">
          <h2>Price history</h2>
          <div class="row">
            <div class="tabs" role="group" aria-label="Time window">
              ${WINDOWS.map(([w, label]) => html`<button type="button" class="tab" aria-pressed=${this.window === w ? 'true' : 'false'} aria-label=${label} @click=${() => this.setWindow(w)}>${w}</button>`)}
            </div>
          </div>
        </div>
        <div class="card-pad chart">${this.renderHistory()}</div>
      </section>
      <section class="card forecast" aria-labelledby="fc-title">
        <div class="card-head"><div class="row"><h2 id="fc-title">Forecast · next 24 h</h2><span class="badge amber plain" title="A statistical extrapolation, not a price anyone quotes">Estimate</span></div>
          <span class="faint small">${this.pricing === 'all' ? 'Median of all pricing types' : `${pricingLabel(this.pricing)} median`}, hourly</span></div>
        <div class="card-pad">${this.renderForecast()}</div>
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
      .stats { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: var(--space-3); margin-bottom: var(--space-4); }
      @media (max-width: 860px) { .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
      .stat-card { display: flex; flex-direction: column; gap: 6px; padding: var(--space-4); }
      .stat-card .stat { font-size: var(--text-lg); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
      .foot { font-size: var(--text-xs); display: flex; gap: var(--space-3); min-height: 18px; }
      .chg { font-variant-numeric: tabular-nums; font-weight: 550; }
      .chg.up { color: var(--red); }
      .chg.down { color: var(--green); }
      .forecast { margin-top: var(--space-4); }
      .fc-sk { height: 300px; }
      .fc-empty { display: flex; flex-direction: column; gap: 4px; align-items: center; justify-content: center; text-align: center; min-height: 160px; border: 1px dashed var(--border-strong); border-radius: var(--radius); background: var(--bg-subtle); font-size: var(--text-sm); padding: var(--space-4); }
      .fc-facts { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: var(--space-4); margin-top: var(--space-4); padding-top: var(--space-4); border-top: 1px solid var(--border); }
      @media (max-width: 760px) { .fc-facts { grid-template-columns: minmax(0, 1fr); } }
      .fc-facts > div { display: flex; flex-direction: column; gap: 2px; }
      .note { margin-top: var(--space-3); }
      .small { font-size: var(--text-xs); }
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
      @media (max-width: 860px) { .two { grid-template-columns: minmax(0, 1fr); } }
      .specs { display: grid; grid-template-columns: auto 1fr; gap: 10px var(--space-4); padding: var(--space-5); margin: 0; font-size: var(--text-sm); }
      .specs dt { color: var(--text-muted); }
      .specs dd { margin: 0; text-align: right; font-weight: 550; }
      .by-pricing { border-top: 1px solid var(--border); }
      .strong { font-weight: 620; }
      .tiny { font-size: 11px; }
      .inline-label { display: inline-flex; gap: 8px; align-items: center; font-size: var(--text-sm); color: var(--text-muted); font-weight: 550; }
      .tiny-link { font-size: var(--text-sm); }
      table.data td { height: 48px; }
    `,
  ];
}

customElements.define('gpu-page', GpuPage);
