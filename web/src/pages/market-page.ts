// Market (/market): the offers of GET /v1/offers in a dense table with every filter of the API,
// sortable columns, infinite scroll on the cursor, ticking price ages, and live changes from the
// socket merged in place (flash, no reflow). The filters live in the URL, under the API's names. A
// toggle adds the value metrics (price per FP16 TFLOP-hour and per VRAM GB-hour; the API does not
// sort by them, so their headers are not sort buttons).
import { css, html, LitElement, nothing, unsafeCSS } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { arrowDown, arrowUp } from '../components/icons';
import { base } from '../components/styles';
import { availabilityBadge, emptyState, errorState, loadingRows, statesStyles } from '../components/ui';
import { formatGb, formatInt, formatPrice, pricingLabel } from '../lib/format';
import { LiveConnection, type LiveStatus } from '../lib/live';
import {
  activeFilterCount,
  canonicalGpus,
  defaultOrder,
  emptyFilters,
  filtersToApiQuery,
  filtersToParams,
  liveSubscription,
  parseFilters,
  PRICING_TYPES,
  type OfferFilters,
  type SortKey,
} from '../lib/offers-query';
import { appendPage, applySnapshot, mergeChanges, tableFromOffers, type TableState } from '../lib/offers-table';
import { replaceQuery } from '../lib/router';
import { api } from '../lib/session';
import type { Gpu, LiveMessage, Offer, Page, Provider } from '../lib/types';
import { marketTabs, marketTabsStyles } from './market-tabs';

const PAGE_SIZE = 100;
const FLASH_MS = 1800;

interface Column {
  key: string;
  label: string;
  width: number;
  sort?: SortKey;
  align?: 'r';
  /** Shown only with the value metrics on. */
  value?: boolean;
}

const COLUMNS: Column[] = [
  { key: 'gpu', label: 'GPU', width: 160 },
  { key: 'count', label: 'GPUs', width: 70, sort: 'gpuCount', align: 'r' },
  { key: 'vram', label: 'VRAM / GPU', width: 104, sort: 'vram', align: 'r' },
  { key: 'cpu', label: 'vCPU · RAM', width: 112, align: 'r' },
  { key: 'provider', label: 'Provider', width: 110 },
  { key: 'region', label: 'Region', width: 128 },
  { key: 'pricing', label: 'Pricing', width: 110 },
  { key: 'avail', label: 'Availability', width: 112 },
  { key: 'gpuHour', label: '$ / GPU·h', width: 104, sort: 'pricePerGpuHour', align: 'r' },
  { key: 'hour', label: '$ / h', width: 104, sort: 'price', align: 'r' },
  { key: 'tflop', label: '$ / TFLOP·h', width: 112, align: 'r', value: true },
  { key: 'vramGb', label: '$ / GB·h', width: 100, align: 'r', value: true },
  { key: 'age', label: 'Price age', width: 100, sort: 'observedAt', align: 'r' },
  { key: 'action', label: '', width: 88 },
];
const TABLE_WIDTH = COLUMNS.filter((c) => !c.value).reduce((s, c) => s + c.width, 0);
const VALUE_TABLE_WIDTH = COLUMNS.reduce((s, c) => s + c.width, 0);
const VALUE_KEY = 'gpb.market.value';

/** Value metrics are small numbers: four significant decimals keep a column comparable. */
function formatValue(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return '—';
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`;
}

export class MarketPage extends LitElement {
  static override properties = {
    query: { attribute: false },
    filters: { state: true },
    table: { state: true },
    nextCursor: { state: true },
    loading: { state: true },
    loadingMore: { state: true },
    error: { state: true },
    gpus: { state: true },
    providers: { state: true },
    liveStatus: { state: true },
    lastUpdate: { state: true },
    valueView: { state: true },
  };
  declare valueView: boolean;
  declare query: URLSearchParams;
  declare filters: OfferFilters;
  declare table: TableState | null;
  declare nextCursor: string | null;
  declare loading: boolean;
  declare loadingMore: boolean;
  declare error: unknown;
  declare gpus: Gpu[];
  declare providers: Provider[];
  declare liveStatus: LiveStatus;
  declare lastUpdate: string | null;

  private abort: AbortController | null = null;
  private live: LiveConnection | null = null;
  private liveKey = '';
  private observer: IntersectionObserver | null = null;
  private catalogLoaded = false;
  private pendingLive: LiveMessage[] = [];

  constructor() {
    super();
    this.query = new URLSearchParams();
    this.filters = emptyFilters();
    this.table = null;
    this.nextCursor = null;
    this.loading = true;
    this.loadingMore = false;
    this.error = null;
    this.gpus = [];
    this.providers = [];
    this.liveStatus = 'connecting';
    this.lastUpdate = null;
    try {
      this.valueView = localStorage.getItem(VALUE_KEY) === '1';
    } catch {
      this.valueView = false;
    }
  }

  private get columns(): Column[] {
    return COLUMNS.filter((c) => this.valueView || !c.value);
  }

  private toggleValue() {
    this.valueView = !this.valueView;
    try {
      localStorage.setItem(VALUE_KEY, this.valueView ? '1' : '0');
    } catch {
      // not kept: fine
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadCatalog();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.abort?.abort();
    this.live?.stop();
    this.observer?.disconnect();
  }

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('query')) {
      const next = parseFilters(this.query);
      this.setFilters(this.catalogLoaded ? canonicalGpus(next, this.gpus) : next, false);
    }
  }

  private async loadCatalog() {
    try {
      const [gpus, providers] = await Promise.all([
        api.get<{ data: Gpu[] }>('/v1/gpus', { query: { listedOnly: 'true' }, auth: 'none' }),
        api.get<{ data: Provider[] }>('/v1/providers', { auth: 'none' }),
      ]);
      this.gpus = gpus.data;
      this.providers = providers.data.filter((p) => p.enabled);
      this.catalogLoaded = true;
      const canonical = canonicalGpus(this.filters, this.gpus);
      if (JSON.stringify(canonical.gpu) !== JSON.stringify(this.filters.gpu)) this.setFilters(canonical, true);
    } catch {
      // The filter menus then offer no choices; the table still loads and reports its own errors.
    }
  }

  /** New filters: into the URL (replace, so Back leaves the market), then a fresh first page. */
  private setFilters(f: OfferFilters, writeUrl: boolean) {
    const same = JSON.stringify(f) === JSON.stringify(this.filters) && this.table !== null;
    this.filters = f;
    if (writeUrl) replaceQuery(filtersToParams(f));
    if (!same) void this.loadFirst();
    this.subscribe();
  }

  private update1<K extends keyof OfferFilters>(key: K, value: OfferFilters[K]) {
    const f = { ...this.filters, [key]: value };
    if (key === 'sort') f.order = defaultOrder(value as SortKey);
    this.setFilters(f, true);
  }

  private async loadFirst() {
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    this.loading = true;
    this.error = null;
    try {
      const page = await api.get<Page<Offer>>('/v1/offers', { query: filtersToApiQuery(this.filters, PAGE_SIZE), auth: 'none', signal: abort.signal });
      if (abort.signal.aborted) return;
      this.table = tableFromOffers(page.data);
      this.nextCursor = page.nextCursor;
      for (const m of this.pendingLive.splice(0)) this.onLive(m);
    } catch (err) {
      if (abort.signal.aborted) return;
      this.error = err;
      this.table = null;
    } finally {
      if (!abort.signal.aborted) this.loading = false;
    }
  }

  private async loadMore() {
    if (!this.nextCursor || this.loadingMore || this.loading || !this.table) return;
    this.loadingMore = true;
    const abort = this.abort;
    try {
      const query = filtersToApiQuery(this.filters, PAGE_SIZE);
      query.set('cursor', this.nextCursor);
      const page = await api.get<Page<Offer>>('/v1/offers', { query, auth: 'none', signal: abort?.signal });
      if (abort?.signal.aborted || !this.table) return;
      this.table = appendPage(this.table, page.data);
      this.nextCursor = page.nextCursor;
    } catch (err) {
      if (!abort?.signal.aborted) this.error = err;
    } finally {
      this.loadingMore = false;
    }
  }

  private subscribe() {
    const sub = liveSubscription(this.filters);
    const key = JSON.stringify(sub);
    if (key === this.liveKey) return;
    this.liveKey = key;
    this.live?.stop();
    this.live = new LiveConnection({ ...sub, onMessage: (m) => this.onLive(m), onStatus: (s) => (this.liveStatus = s) }).start();
  }

  private onLive(m: LiveMessage) {
    if (m.type !== 'update' && m.type !== 'snapshot') return;
    if (this.loading || !this.table) {
      if (m.type === 'update') this.pendingLive.push(m);
      return;
    }
    if (m.type === 'snapshot') this.table = applySnapshot(this.table, m.offers);
    else {
      this.table = mergeChanges(this.table, m.changes, this.filters, Date.now());
      this.lastUpdate = m.committedAt;
    }
  }

  override firstUpdated() {
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void this.loadMore();
    }, { rootMargin: '600px 0px' });
    const sentinel = this.renderRoot.querySelector('.sentinel');
    if (sentinel) this.observer.observe(sentinel);
  }

  override updated() {
    // Flash the price cells of rows changed since the last render (Web Animations: no inline styles, no reflow).
    const now = Date.now();
    for (const el of this.renderRoot.querySelectorAll<HTMLElement>('tr[data-changed-at]')) {
      const at = Number(el.dataset.changedAt);
      if (now - at > FLASH_MS || el.dataset.flashed === String(at)) continue;
      el.dataset.flashed = String(at);
      const color = el.dataset.dir === '1' ? 'var(--flash-up)' : el.dataset.dir === '-1' ? 'var(--flash-down)' : 'var(--accent-soft)';
      for (const cell of el.querySelectorAll<HTMLElement>('.flash')) {
        cell.animate([{ backgroundColor: color }, { backgroundColor: 'transparent' }], { duration: FLASH_MS, easing: 'ease-out' });
      }
    }
  }

  private sortBy(key: SortKey) {
    if (this.filters.sort === key) this.setFilters({ ...this.filters, order: this.filters.order === 'asc' ? 'desc' : 'asc' }, true);
    else this.update1('sort', key);
  }

  private toggleIn<T extends string>(list: T[], value: T): T[] {
    return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
  }

  private numberInput(key: 'minGpuCount' | 'maxGpuCount' | 'minVramGb' | 'minTotalVramGb' | 'maxPricePerHour' | 'maxPricePerGpuHour' | 'maxAgeSeconds', e: Event) {
    const input = e.target as HTMLInputElement;
    const text = input.value.trim();
    const n = text === '' ? null : Number(text);
    if (n !== null && (!Number.isFinite(n) || n < 0)) {
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    input.removeAttribute('aria-invalid');
    const next = parseFilters(filtersToParams({ ...this.filters, [key]: n }));
    this.setFilters(next, true);
  }

  private renderFilters() {
    const f = this.filters;
    const gpuNames = this.gpus.map((g) => g.name);
    const moreCount = [f.minTotalVramGb, f.maxPricePerHour, f.maxAgeSeconds, f.region || null, f.country.length || null, f.availableOnly ? null : 1].filter((v) => v !== null).length;
    return html`<form class="filters card" role="search" aria-label="Filter offers" @submit=${(e: Event) => e.preventDefault()}>
      <details class="dd">
        <summary class="btn btn-sm">GPU model${f.gpu.length ? html` <span class="count">${f.gpu.length}</span>` : nothing}</summary>
        <div class="menu" role="group" aria-label="GPU models">
          ${gpuNames.length === 0 ? html`<span class="faint">No models listed</span>` : nothing}
          ${gpuNames.map((name) => html`<label class="check"><input type="checkbox" name="gpu" .value=${name} .checked=${f.gpu.includes(name)}
            @change=${() => this.update1('gpu', this.toggleIn(f.gpu, name))} />${name}</label>`)}
        </div>
      </details>
      <details class="dd">
        <summary class="btn btn-sm">Provider${f.provider.length ? html` <span class="count">${f.provider.length}</span>` : nothing}</summary>
        <div class="menu" role="group" aria-label="Providers">
          ${this.providers.map((p) => html`<label class="check"><input type="checkbox" name="provider" .checked=${f.provider.includes(p.id)}
            @change=${() => this.update1('provider', this.toggleIn(f.provider, p.id))} />${p.name}</label>`)}
        </div>
      </details>
      <fieldset class="seg" aria-label="Pricing">
        ${PRICING_TYPES.map((p) => html`<label class="chip ${f.pricing.includes(p) ? 'on' : ''}"><input type="checkbox" class="sr-only" name="pricing" .checked=${f.pricing.includes(p)}
          @change=${() => this.update1('pricing', this.toggleIn(f.pricing, p))} />${pricingLabel(p)}</label>`)}
      </fieldset>
      <label class="inline">GPUs
        <input class="num w-xs" type="number" min="1" step="1" inputmode="numeric" placeholder="min" aria-label="Minimum GPUs" name="minGpuCount"
          .value=${f.minGpuCount?.toString() ?? ''} @change=${(e: Event) => this.numberInput('minGpuCount', e)} />
        <span class="faint">–</span>
        <input class="num w-xs" type="number" min="1" step="1" inputmode="numeric" placeholder="max" aria-label="Maximum GPUs" name="maxGpuCount"
          .value=${f.maxGpuCount?.toString() ?? ''} @change=${(e: Event) => this.numberInput('maxGpuCount', e)} />
      </label>
      <label class="inline">VRAM ≥
        <select aria-label="Minimum VRAM per GPU" name="minVramGb" @change=${(e: Event) => this.numberInput('minVramGb', e)}>
          ${[['', 'any'], ['16', '16 GB'], ['24', '24 GB'], ['40', '40 GB'], ['48', '48 GB'], ['80', '80 GB'], ['141', '141 GB']].map(
            ([v, l]) => html`<option value=${v!} ?selected=${(f.minVramGb?.toString() ?? '') === v}>${l}</option>`,
          )}
        </select>
      </label>
      <label class="inline">Max $/GPU·h
        <input class="num w-sm" type="number" min="0" step="0.01" inputmode="decimal" placeholder="any" name="maxPricePerGpuHour"
          .value=${f.maxPricePerGpuHour?.toString() ?? ''} @change=${(e: Event) => this.numberInput('maxPricePerGpuHour', e)} />
      </label>
      <details class="dd">
        <summary class="btn btn-sm">More${moreCount ? html` <span class="count">${moreCount}</span>` : nothing}</summary>
        <div class="menu wide">
          <label class="field">Total VRAM at least (GB)<input type="number" min="0" name="minTotalVramGb" .value=${f.minTotalVramGb?.toString() ?? ''} @change=${(e: Event) => this.numberInput('minTotalVramGb', e)} /></label>
          <label class="field">Max price per hour, whole instance ($)<input type="number" min="0" step="0.01" name="maxPricePerHour" .value=${f.maxPricePerHour?.toString() ?? ''} @change=${(e: Event) => this.numberInput('maxPricePerHour', e)} /></label>
          <label class="field">Region starts with<input type="text" name="region" placeholder="e.g. eu- or us-east" .value=${f.region}
            @change=${(e: Event) => this.update1('region', (e.target as HTMLInputElement).value.trim())} /></label>
          <label class="field">Countries<input type="text" name="country" placeholder="e.g. US,DE" .value=${f.country.join(',')}
            @change=${(e: Event) => this.setFilters(parseFilters(filtersToParams({ ...f, country: (e.target as HTMLInputElement).value.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean) })), true)} /></label>
          <label class="field">Price observed within
            <select name="maxAgeSeconds" @change=${(e: Event) => this.numberInput('maxAgeSeconds', e)}>
              ${[['', 'any time'], ['120', '2 minutes'], ['600', '10 minutes'], ['3600', '1 hour'], ['86400', '1 day']].map(
                ([v, l]) => html`<option value=${v!} ?selected=${(f.maxAgeSeconds?.toString() ?? '') === v}>${l}</option>`,
              )}
            </select>
          </label>
          <label class="check"><input type="checkbox" name="includeUnavailable" .checked=${!f.availableOnly} @change=${(e: Event) => this.update1('availableOnly', !(e.target as HTMLInputElement).checked)} />Include unavailable offers</label>
        </div>
      </details>
      ${activeFilterCount(f) > 0 ? html`<button class="btn btn-ghost btn-sm" type="button" @click=${() => this.setFilters({ ...emptyFilters(), sort: f.sort, order: f.order }, true)}>Clear</button>` : nothing}
    </form>`;
  }

  private renderHeader(c: Column) {
    const active = c.sort !== undefined && this.filters.sort === c.sort;
    const ariaSort = active ? (this.filters.order === 'asc' ? 'ascending' : 'descending') : c.sort ? 'none' : nothing;
    return html`<th scope="col" class=${c.align ?? ''} aria-sort=${ariaSort}>
      ${c.sort
        ? html`<button class="sort ${active ? 'on' : ''}" type="button" data-sort=${c.sort} @click=${() => this.sortBy(c.sort!)}>${c.label}${active ? (this.filters.order === 'asc' ? arrowUp : arrowDown) : nothing}</button>`
        : c.label ? c.label : html`<span class="sr-only">Actions</span>`}
    </th>`;
  }

  private renderRows() {
    if (!this.table) return loadingRows(12, this.columns.length);
    return repeat(
      this.table.rows,
      (r) => r.offer.id,
      (r) => {
        const o = r.offer;
        return html`<tr data-offer=${o.id} class=${r.left ? 'left' : ''} data-changed-at=${r.change?.at ?? nothing} data-dir=${r.change?.dir ?? nothing}>
          <td class="gpu"><a href="/gpus/${encodeURIComponent(o.gpuModel)}">${o.gpuModel}</a>${o.interconnect ? html` <span class="faint tiny">${o.interconnect}</span>` : nothing}</td>
          <td class="r num">${o.gpuCount}×</td>
          <td class="r num">${formatGb(o.vramGbPerGpu)}</td>
          <td class="r num muted">${o.vcpus ?? '—'} · ${o.ramGb === null ? '—' : formatGb(o.ramGb)}</td>
          <td>${o.provider}</td>
          <td class="muted" title=${o.country ?? ''}>${o.region}</td>
          <td>${pricingLabel(o.pricing)}</td>
          <td class="flash">${availabilityBadge(o.availability)}</td>
          <td class="r num strong flash" data-col="gpuHour">${formatPrice(o.pricePerGpuHourUsd)}</td>
          <td class="r num flash" data-col="hour">${formatPrice(o.pricePerHourUsd)}</td>
          ${this.valueView
            ? html`<td class="r num muted flash" data-col="tflop">${formatValue(o.pricePerFp16TflopHourUsd)}</td><td class="r num muted flash" data-col="vramGb">${formatValue(o.pricePerVramGbHourUsd)}</td>`
            : nothing}
          <td class="r num muted"><gpb-age at=${o.observedAt}></gpb-age></td>
          <td class="r">${r.left || o.availability === 'unavailable'
            ? html`<span class="faint tiny">gone</span>`
            : html`<a class="btn btn-sm" href="/deploy/${o.id}" aria-label="Deploy ${o.gpuCount}× ${o.gpuModel} on ${o.provider} ${o.region}">Deploy</a>`}</td>
        </tr>`;
      },
    );
  }

  override render() {
    const rows = this.table?.rows.length ?? 0;
    const entered = this.table?.entered.size ?? 0;
    return html`<div class="page">
      <div class="page-head">
        <div>
          <h1>Market</h1>
          <p>Every listed GPU offer, normalized. Prices stream in live.</p>
        </div>
        <div class="head-right">
          <div class="status" aria-live="polite">
            <span class="live-dot ${this.liveStatus}" aria-hidden="true"></span>
            <span>${this.liveStatus === 'live' ? 'Live' : this.liveStatus === 'connecting' ? 'Connecting' : 'Reconnecting'}</span>
            ${this.lastUpdate ? html`<span class="faint">· last change <gpb-age at=${this.lastUpdate}></gpb-age></span>` : nothing}
          </div>
          ${marketTabs('offers')}
        </div>
      </div>
      ${this.renderFilters()}
      <div class="table-bar">
        <span class="muted num" data-testid="result-count">${this.loading && !this.table ? 'Loading offers…' : `${formatInt(rows)}${this.nextCursor ? '+' : ''} offers`}</span>
        <div class="row">
          ${entered > 0
            ? html`<button class="btn btn-sm new-pill" type="button" @click=${() => void this.loadFirst()}>${entered} new ${entered === 1 ? 'offer matches' : 'offers match'} · Refresh</button>`
            : nothing}
          <label class="switch"><input type="checkbox" name="valueView" .checked=${this.valueView} @change=${this.toggleValue} />
            <span>Value metrics</span><span class="faint hide-sm">$ per TFLOP·h and per GB·h</span></label>
        </div>
      </div>
      ${this.error && !this.table ? errorState(this.error, () => void this.loadFirst()) : nothing}
      <div class="table-wrap card ${this.loading && this.table ? 'stale' : ''}" aria-busy=${this.loading ? 'true' : 'false'}>
        <table class="data market ${this.valueView ? 'value' : ''}">
          <caption class="sr-only">GPU offers sorted by ${this.filters.sort}, ${this.filters.order === 'asc' ? 'ascending' : 'descending'}</caption>
          <colgroup>${this.columns.map((c) => html`<col class="c-${c.key}" />`)}</colgroup>
          <thead><tr>${this.columns.map((c) => this.renderHeader(c))}</tr></thead>
          <tbody>${this.renderRows()}</tbody>
        </table>
        ${this.table && rows === 0 && !this.loading
          ? emptyState('No offers match', 'Widen the filters: a higher price limit, more GPU models, or include unavailable offers.', html`<button class="btn" type="button" @click=${() => this.setFilters(emptyFilters(), true)}>Clear all filters</button>`)
          : nothing}
      </div>
      <div class="sentinel" aria-hidden="true"></div>
      ${this.nextCursor && this.table
        ? html`<div class="more"><button class="btn" type="button" ?disabled=${this.loadingMore} @click=${() => void this.loadMore()}>${this.loadingMore ? 'Loading…' : 'Load more offers'}</button></div>`
        : nothing}
      ${this.error && this.table ? errorState(this.error, () => void this.loadMore()) : nothing}
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    marketTabsStyles,
    css`
      .status { display: inline-flex; align-items: center; gap: 6px; font-size: var(--text-sm); }
      .live-dot { width: 8px; height: 8px; border-radius: 50%; background: var(--text-faint); }
      .live-dot.live { background: var(--green); box-shadow: 0 0 0 3px color-mix(in srgb, var(--green) 25%, transparent); }
      .filters { display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-2); padding: var(--space-3); margin-bottom: var(--space-3); }
      .inline { display: inline-flex; align-items: center; gap: 6px; font-size: var(--text-xs); color: var(--text-muted); font-weight: 550; }
      .inline input, .inline select { height: 28px; }
      .w-xs { width: 64px; }
      .w-sm { width: 84px; }
      .dd { position: relative; }
      .dd summary { list-style: none; }
      .dd summary::-webkit-details-marker { display: none; }
      .dd[open] summary { background: var(--bg-muted); }
      .count { display: inline-grid; place-items: center; min-width: 18px; height: 18px; padding: 0 5px; border-radius: 9px; background: var(--accent); color: var(--accent-text); font-size: 11px; }
      .menu { position: absolute; top: calc(100% + 6px); left: 0; z-index: 10; min-width: 220px; max-height: 340px; overflow: auto; background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); padding: var(--space-2); display: flex; flex-direction: column; gap: 2px; }
      .menu.wide { min-width: 300px; gap: var(--space-3); padding: var(--space-4); }
      @media (max-width: 640px) { .menu, .menu.wide { position: fixed; left: 12px; right: 12px; top: auto; min-width: 0; } }
      .check { display: flex; align-items: center; gap: 8px; font-size: var(--text-sm); padding: 6px 8px; border-radius: var(--radius-sm); cursor: pointer; }
      .check:hover { background: var(--bg-hover); }
      .seg { display: inline-flex; border: 1px solid var(--border-strong); border-radius: var(--radius); padding: 2px; margin: 0; gap: 2px; }
      .chip { font-size: var(--text-xs); font-weight: 550; padding: 3px 9px; border-radius: 6px; cursor: pointer; color: var(--text-muted); }
      .chip.on { background: var(--accent-soft); color: var(--accent); }
      .chip:focus-within { outline: 2px solid var(--focus); outline-offset: 1px; }
      .table-bar { display: flex; align-items: center; justify-content: space-between; min-height: 36px; gap: var(--space-3); font-size: var(--text-sm); }
      .new-pill { border-color: var(--accent); color: var(--accent); }
      .table-wrap { overflow-x: auto; overscroll-behavior-x: contain; }
      .table-wrap.stale tbody { opacity: 0.55; transition: opacity 150ms; }
      table.market { table-layout: fixed; min-width: ${unsafeCSS(String(TABLE_WIDTH))}px; }
      table.market.value { min-width: ${unsafeCSS(String(VALUE_TABLE_WIDTH))}px; }
      .head-right { display: flex; align-items: center; gap: var(--space-4); flex-wrap: wrap; }
      .switch { display: inline-flex; align-items: center; gap: 6px; font-size: var(--text-xs); font-weight: 550; color: var(--text-muted); cursor: pointer; }
      .switch input { accent-color: var(--accent); }
      @media (max-width: 640px) { .hide-sm { display: none; } }
      ${unsafeCSS(COLUMNS.map((c) => `col.c-${c.key} { width: ${c.width}px; }`).join('\n'))}
      table.market thead th { position: sticky; top: 0; z-index: 1; }
      table.market td { height: 38px; }
      .market td.gpu { font-weight: 600; position: sticky; left: 0; background: var(--surface); z-index: 1; }
      .market th:first-child { position: sticky; left: 0; z-index: 2; }
      .market td.gpu a { color: var(--text); }
      .strong { font-weight: 620; }
      .tiny { font-size: 11px; font-weight: 500; }
      tr.left td { color: var(--text-faint); }
      tr.left td.gpu a { color: var(--text-faint); text-decoration: line-through; }
      .sort { all: unset; cursor: pointer; display: inline-flex; align-items: center; gap: 4px; border-radius: 4px; }
      .sort:hover, .sort.on { color: var(--text); }
      .sort:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
      th.r .sort { flex-direction: row; }
      .sentinel { height: 1px; }
      .more { display: flex; justify-content: center; padding: var(--space-4); }
    `,
  ];
}

customElements.define('market-page', MarketPage);
