// Dashboard › Price alerts (/app/alerts): the tenant's alerts (GET /v1/alerts), a form to create one
// (POST with an Idempotency-Key; a webhook alert's signing secret is shown once, with a copy button),
// deleting one, an alert's recent deliveries with their attempts (GET /v1/alerts/{id}/deliveries), and
// while the page is open, live alerts as they fire (the `alerts` channel of /v1/live).
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadingRows, messageOf, statesStyles, toast } from '../../components/ui';
import { ApiError, SubmissionKey } from '../../lib/api';
import { ALERT_PRICING, alertBody, deliveryOutcome, deliveryTone, describeRule, emptyAlertForm, type AlertFormValues } from '../../lib/alerts';
import { formatDateTime, formatPrice, pricingLabel } from '../../lib/format';
import { LiveConnection, type LiveStatus } from '../../lib/live';
import { api, session } from '../../lib/session';
import type { Alert, AlertCreated, AlertDelivery, AlertFired, Gpu, LiveMessage } from '../../lib/types';
import { confirmDialog, sectionStyles } from './section-styles';

/** Live alerts kept on screen (they are not replayed after a reconnect; the deliveries list has them all). */
const FEED_SIZE = 10;

/** The API's field names → the form's. */
const API_FIELDS: Record<string, keyof AlertFormValues> = {
  'body.name': 'name',
  'body.rule.gpu': 'gpu',
  'body.rule.maxPricePerGpuHour': 'maxPricePerGpuHour',
  'body.rule.minGpuCount': 'minGpuCount',
  'body.rule.maxGpuCount': 'maxGpuCount',
  'body.rule.pricing': 'pricing',
  'body.rule.region': 'region',
  'body.rule.countries': 'countries',
  'body.delivery.url': 'url',
};

export class AlertsSection extends LitElement {
  static override properties = {
    alerts: { state: true },
    cursor: { state: true },
    error: { state: true },
    gpus: { state: true },
    values: { state: true },
    errors: { state: true },
    creating: { state: true },
    formError: { state: true },
    created: { state: true },
    deleting: { state: true },
    open: { state: true },
    deliveries: { state: true },
    deliveriesCursor: { state: true },
    deliveriesError: { state: true },
    deliveriesBusy: { state: true },
    feed: { state: true },
    liveStatus: { state: true },
  };
  declare alerts: Alert[] | null;
  declare cursor: string | null;
  declare error: unknown;
  declare gpus: Gpu[];
  declare values: AlertFormValues;
  declare errors: Record<string, string>;
  declare creating: boolean;
  declare formError: unknown;
  declare created: AlertCreated | null;
  declare deleting: Alert | null;
  declare open: Alert | null;
  declare deliveries: AlertDelivery[] | null;
  declare deliveriesCursor: string | null;
  declare deliveriesError: unknown;
  declare deliveriesBusy: boolean;
  declare feed: Array<{ id: string; at: string; data: AlertFired }>;
  declare liveStatus: LiveStatus;
  private readonly submission = new SubmissionKey();
  private live: LiveConnection | null = null;

  constructor() {
    super();
    this.alerts = null;
    this.cursor = null;
    this.error = null;
    this.gpus = [];
    this.values = emptyAlertForm();
    this.errors = {};
    this.creating = false;
    this.formError = null;
    this.created = null;
    this.deleting = null;
    this.open = null;
    this.deliveries = null;
    this.deliveriesCursor = null;
    this.deliveriesError = null;
    this.deliveriesBusy = false;
    this.feed = [];
    this.liveStatus = 'connecting';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load(false);
    if (session.can('member')) void this.loadGpus();
  }

  /** Listens on the alerts channel once the tenant has a live alert (a socket counts against the plan's connections). */
  private ensureLive() {
    if (this.live || !this.isConnected || !this.alerts?.some((a) => a.delivery.type === 'live')) return;
    this.live = new LiveConnection({
      channels: ['alerts'],
      // The alerts channel carries this tenant's alerts only, so it needs credentials.
      protocols: async () => {
        const token = await session.accessToken();
        if (!token) throw new Error('signed out');
        return [`bearer.${token}`];
      },
      onMessage: (m) => this.onLive(m),
      onStatus: (st) => (this.liveStatus = st),
    }).start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.live?.stop();
    this.live = null;
  }

  private onLive(m: LiveMessage) {
    if (m.type !== 'alert') return;
    this.feed = [{ id: m.id, at: m.timestamp, data: m.data }, ...this.feed.filter((f) => f.id !== m.id)].slice(0, FEED_SIZE);
    // The list's counts moved, and the open delivery log has a new entry.
    void this.load(false);
    if (this.open?.id === m.data.alertId) void this.loadDeliveries(false);
  }

  private async load(more: boolean) {
    this.error = null;
    try {
      const page = await api.page<Alert>('/v1/alerts', { limit: 50 }, more ? this.cursor : null);
      this.alerts = more && this.alerts ? [...this.alerts, ...page.data] : page.data;
      this.cursor = page.nextCursor;
      this.ensureLive();
    } catch (err) {
      this.error = err;
    }
  }

  private async loadGpus() {
    try {
      // Public market data: read anonymously, so it does not spend the plan's request budget.
      this.gpus = (await api.get<{ data: Gpu[] }>('/v1/gpus', { query: { listedOnly: 'true' }, auth: 'none' })).data;
    } catch {
      this.gpus = []; // the GPU field then takes a typed name (the API resolves aliases)
    }
  }

  private async loadDeliveries(more: boolean) {
    const alert = this.open;
    if (!alert) return;
    this.deliveriesBusy = true;
    this.deliveriesError = null;
    try {
      const page = await api.page<AlertDelivery>(`/v1/alerts/${alert.id}/deliveries`, { limit: 10 }, more ? this.deliveriesCursor : null);
      if (this.open !== alert) return;
      this.deliveries = more && this.deliveries ? [...this.deliveries, ...page.data] : page.data;
      this.deliveriesCursor = page.nextCursor;
    } catch (err) {
      this.deliveriesError = err;
    } finally {
      this.deliveriesBusy = false;
    }
  }

  private toggleDeliveries(a: Alert) {
    if (this.open?.id === a.id) {
      this.open = null;
      return;
    }
    this.open = a;
    this.deliveries = null;
    this.deliveriesCursor = null;
    void this.loadDeliveries(false);
  }

  private set<K extends keyof AlertFormValues>(key: K, value: AlertFormValues[K]) {
    this.values = { ...this.values, [key]: value };
    if (this.errors[key]) {
      const { [key]: _gone, ...rest } = this.errors;
      this.errors = rest;
    }
  }

  private async create(e: SubmitEvent) {
    e.preventDefault();
    const result = alertBody(this.values);
    if (result.errors) {
      this.errors = result.errors;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    this.errors = {};
    const text = JSON.stringify(result.body);
    // The same body keeps its key: a retry after a network error creates no second alert.
    this.creating = true;
    this.formError = null;
    try {
      const created = await api.post<AlertCreated>('/v1/alerts', result.body, { idempotencyKey: this.submission.for(text) });
      this.submission.done();
      this.values = { ...emptyAlertForm(), gpu: this.values.gpu };
      if (created.signingSecret) {
        this.created = created;
        await this.updateComplete;
        this.renderRoot.querySelector<HTMLElement>('#secret-title')?.focus();
      } else toast(`Alert created: ${created.name ?? describeRule(created.rule)}`, 'ok');
      await this.load(false);
    } catch (err) {
      const fields: Record<string, string> = {};
      if (err instanceof ApiError) for (const f of err.errors) if (API_FIELDS[f.field]) fields[API_FIELDS[f.field]!] = f.message;
      this.errors = fields;
      this.formError = Object.keys(fields).length ? null : err;
    } finally {
      this.creating = false;
    }
  }

  private async deleteAlert(a: Alert) {
    this.deleting = a;
    await this.updateComplete;
    if (!(await confirmDialog(this.renderRoot, 'dialog.delete'))) return;
    try {
      await api.delete(`/v1/alerts/${a.id}`);
      toast(`Deleted ${a.name ?? 'the alert'}`, 'ok');
      if (this.open?.id === a.id) this.open = null;
      await this.load(false);
    } catch (err) {
      toast(messageOf(err), 'error');
    }
  }

  private field(name: keyof AlertFormValues, label: string, opts: { placeholder?: string; inputmode?: string; hint?: string; type?: string } = {}) {
    const err = this.errors[name];
    return html`<label class="field">${label}
      <input name=${name} type=${opts.type ?? 'text'} autocomplete="off" inputmode=${opts.inputmode ?? 'text'} placeholder=${opts.placeholder ?? ''} .value=${String(this.values[name] ?? '')}
        @input=${(e: Event) => this.set(name, (e.target as HTMLInputElement).value as never)}
        aria-invalid=${err ? 'true' : 'false'} aria-describedby=${err || opts.hint ? `${name}-note` : nothing} />
      ${err ? html`<span class="error" id="${name}-note">${err}</span>` : opts.hint ? html`<span class="hint" id="${name}-note">${opts.hint}</span>` : nothing}
    </label>`;
  }

  private renderForm() {
    if (!session.can('member')) return html`<p class="notice">Members, admins and owners create alerts; you can see them and their deliveries.</p>`;
    const v = this.values;
    const gpu = this.gpus.find((g) => g.name === v.gpu);
    const cheapest = gpu?.market.minPricePerGpuHourUsd;
    return html`<section class="card card-pad" aria-labelledby="new-title">
      <h2 id="new-title">New price alert</h2>
      <p class="muted small intro">After each market refresh, offers that newly match fire the alert, once per offer until it stops matching.</p>
      <form class="alert-form" @submit=${this.create} novalidate aria-label="Create a price alert">
        <div class="grid">
          ${this.gpus.length
            ? html`<label class="field">GPU
                <select name="gpu" aria-invalid=${this.errors.gpu ? 'true' : 'false'} aria-describedby=${this.errors.gpu ? 'gpu-note' : nothing} @change=${(e: Event) => this.set('gpu', (e.target as HTMLSelectElement).value)}>
                  <option value="" ?selected=${!v.gpu}>Choose a GPU…</option>
                  ${this.gpus.map((g) => html`<option value=${g.name} ?selected=${v.gpu === g.name}>${g.name}</option>`)}
                </select>${this.errors.gpu ? html`<span class="error" id="gpu-note">${this.errors.gpu}</span>` : nothing}</label>`
            : this.field('gpu', 'GPU', { placeholder: 'H100' })}
          ${this.field('maxPricePerGpuHour', 'Max price per GPU-hour (USD)', {
            placeholder: '2.50',
            inputmode: 'decimal',
            hint: typeof cheapest === 'number' ? `Cheapest now: ${formatPrice(cheapest)}/GPU·h` : 'Fires at or under this price.',
          })}
          ${this.field('minGpuCount', 'GPUs, at least', { placeholder: '1', inputmode: 'numeric' })}
          ${this.field('maxGpuCount', 'GPUs, at most', { placeholder: 'any', inputmode: 'numeric' })}
        </div>
        <fieldset class="checks" aria-describedby=${this.errors.pricing ? 'pricing-note' : nothing}>
          <legend>Pricing</legend>
          ${ALERT_PRICING.map((p) => html`<label class="check"><input type="checkbox" name="pricing" value=${p} .checked=${v.pricing.includes(p)}
            @change=${(e: Event) => this.set('pricing', (e.target as HTMLInputElement).checked ? [...v.pricing, p] : v.pricing.filter((x) => x !== p))} />${pricingLabel(p)}</label>`)}
          ${this.errors.pricing ? html`<span class="error" id="pricing-note">${this.errors.pricing}</span>` : nothing}
        </fieldset>
        <details ?open=${Boolean(v.region || v.countries || v.availableOnly || this.errors.region || this.errors.countries)}>
          <summary>Where and how available</summary>
          <div class="grid">
            ${this.field('region', 'Region prefix', { placeholder: 'eu- or us-east' })}
            ${this.field('countries', 'Countries', { placeholder: 'DE, FR' })}
          </div>
          <label class="check"><input type="checkbox" name="availableOnly" .checked=${v.availableOnly} @change=${(e: Event) => this.set('availableOnly', (e.target as HTMLInputElement).checked)} />Only offers marked available (not limited)</label>
        </details>
        <fieldset class="channels">
          <legend>Send fired alerts to</legend>
          <label class="channel ${v.channel === 'live' ? 'on' : ''}"><input type="radio" name="channel" value="live" .checked=${v.channel === 'live'} @change=${() => this.set('channel', 'live')} />
            <span><strong>Live</strong><span class="faint small">Your open connections to /v1/live?channels=alerts</span></span></label>
          <label class="channel ${v.channel === 'webhook' ? 'on' : ''}"><input type="radio" name="channel" value="webhook" .checked=${v.channel === 'webhook'} @change=${() => this.set('channel', 'webhook')} />
            <span><strong>Webhook</strong><span class="faint small">A signed POST (Standard Webhooks) to your https URL</span></span></label>
        </fieldset>
        ${v.channel === 'webhook' ? this.field('url', 'Webhook URL', { type: 'url', placeholder: 'https://hooks.example.com/gpu-alerts', inputmode: 'url' }) : nothing}
        <div class="grid two">${this.field('name', 'Name (optional)', { placeholder: 'e.g. cheap H100s' })}</div>
        ${this.formError ? html`<div class="notice error" role="alert">${messageOf(this.formError)}</div>` : nothing}
        <div class="row end"><button class="btn btn-primary" type="submit" ?disabled=${this.creating}>${this.creating ? 'Creating…' : 'Create alert'}</button></div>
      </form>
    </section>`;
  }

  private renderCreated(a: AlertCreated) {
    return html`<section class="card card-pad created" aria-labelledby="secret-title">
      <h2 id="secret-title" tabindex="-1">Signing secret for ${a.name ?? describeRule(a.rule)}</h2>
      <p class="muted">Verify the <span class="mono">webhook-signature</span> header of each delivery with it. Copy it now: it is not shown again.</p>
      <div class="key"><code class="mono" data-testid="signing-secret">${a.signingSecret}</code><gpb-copy .value=${a.signingSecret ?? ''} label="Copy secret"></gpb-copy></div>
      <div class="row end"><button class="btn" type="button" @click=${() => (this.created = null)}>I have stored it</button></div>
    </section>`;
  }

  private renderDeliveries(a: Alert) {
    const rows = this.deliveries;
    return html`<section class="card" aria-labelledby="deliveries-title" data-deliveries=${a.id}>
      <div class="card-head"><div><h2 id="deliveries-title">Deliveries · ${a.name ?? describeRule(a.rule)}</h2>
        <span class="faint small">${a.delivery.type === 'webhook' ? a.delivery.url : 'live connections'}</span></div>
        <div class="row"><button class="btn btn-sm" type="button" ?disabled=${this.deliveriesBusy} @click=${() => void this.loadDeliveries(false)}>Refresh</button>
          <button class="btn btn-sm btn-ghost" type="button" @click=${() => (this.open = null)} aria-label="Close the deliveries">Close</button></div></div>
      ${this.deliveriesError ? html`<div class="card-pad">${errorState(this.deliveriesError, () => void this.loadDeliveries(false))}</div>` : nothing}
      ${rows && rows.length === 0
        ? emptyState('Nothing delivered yet', 'A delivery appears when a market refresh finds offers that newly match.')
        : html`<div class="table-wrap"><table class="data stacked">
            <thead><tr><th>When</th><th>Status</th><th class="r">Offers</th><th>Outcome</th></tr></thead>
            <tbody>${rows
              ? rows.map((d) => html`<tr data-delivery=${d.id} data-status=${d.status}>
                  <td class="num muted">${formatDateTime(d.createdAt)}</td>
                  <td><span class="badge ${deliveryTone(d.status)}">${d.status}</span></td>
                  <td class="r num" data-label="Offers">${d.offerCount}</td>
                  <td class="outcome">${deliveryOutcome(d)}${d.attemptLog.length > 1
                    ? html`<details><summary class="small">${d.attemptLog.length} attempts</summary><ol class="attempts small">${d.attemptLog.map(
                        (t) => html`<li><span class="num">${formatDateTime(t.at)}</span> · ${t.statusCode !== null ? `HTTP ${t.statusCode}` : (t.error ?? 'no answer')}${t.latencyMs !== null ? html` · <span class="num">${t.latencyMs} ms</span>` : nothing}</li>`,
                      )}</ol></details>`
                    : nothing}</td></tr>`)
              : loadingRows(2, 4)}</tbody></table></div>
          ${this.deliveriesCursor ? html`<div class="more"><button class="btn btn-sm" ?disabled=${this.deliveriesBusy} @click=${() => void this.loadDeliveries(true)}>Load more</button></div>` : nothing}`}
    </section>`;
  }

  private renderFeed() {
    const tone = this.liveStatus === 'live' ? 'green' : this.liveStatus === 'offline' ? 'red' : 'amber';
    return html`<section class="card" aria-labelledby="feed-title">
      <div class="card-head"><h2 id="feed-title">Fired while you watch</h2>
        <span class="badge ${tone}" data-live=${this.liveStatus} title="Live alerts reach this page over the alerts channel of /v1/live">${this.liveStatus === 'live' ? 'listening' : this.liveStatus}</span></div>
      ${this.feed.length === 0
        ? html`<p class="muted small pad">Alerts sent live appear here the moment a market refresh fires them, while this page is open.</p>`
        : html`<ul class="feed" aria-live="polite">${this.feed.map((f) => {
            // The message lists up to 50 of the new offers, in no promised order.
            const cheapest = f.data.offers.reduce<AlertFired['offers'][number] | undefined>((best, o) => (!best || o.pricePerGpuHourUsd < best.pricePerGpuHourUsd ? o : best), undefined);
            return html`<li data-fired=${f.data.alertId}>
              <div><strong>${f.data.alertName ?? describeRule(f.data.rule)}</strong> <span class="muted">· ${f.data.offerCount} ${f.data.offerCount === 1 ? 'offer' : 'offers'} newly matching</span>
                ${cheapest ? html`<div class="small muted">Cheapest: ${cheapest.gpuCount}× ${cheapest.gpuModel} on ${cheapest.provider} ${cheapest.region} at <span class="num">${formatPrice(cheapest.pricePerGpuHourUsd)}</span>/GPU·h</div>` : nothing}</div>
              <div class="row"><span class="faint small num">${formatDateTime(f.at)}</span>${cheapest ? html`<a class="btn btn-sm" href="/deploy/${cheapest.id}">Deploy</a>` : nothing}</div>
            </li>`;
          })}</ul>`}
    </section>`;
  }

  private renderList() {
    const canEdit = session.can('member');
    if (this.alerts && this.alerts.length === 0) {
      return html`<section class="card">${emptyState('No price alerts', 'Create one to hear when a GPU drops to your price.')}</section>`;
    }
    return html`<section class="card" aria-labelledby="list-title">
      <div class="card-head"><h2 id="list-title">Your alerts</h2></div>
      <div class="table-wrap"><table class="data stacked">
        <thead><tr><th>Alert</th><th>Sends to</th><th class="r">Fired</th><th>Last fired</th><th><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>${this.alerts
          ? this.alerts.map((a) => {
              const label = a.name ?? a.rule.gpuModel;
              return html`<tr data-alert=${a.id} class=${this.open?.id === a.id ? 'open' : ''}>
                <td class="rule">${a.name ? html`<strong>${a.name}</strong><div class="muted small">${describeRule(a.rule)}</div>` : html`<strong>${describeRule(a.rule)}</strong>`}</td>
                <td class="to">${a.delivery.type === 'webhook' ? html`<span class="badge plain blue">webhook</span><div class="faint small url">${a.delivery.url}</div>` : html`<span class="badge plain accent">live</span>`}</td>
                <td class="r num" data-label="Fired" title="Offers that fired the alert so far">${a.firedOffers}</td>
                <td class="muted" data-label="Last fired">${a.lastFiredAt ? html`<gpb-age at=${a.lastFiredAt}></gpb-age>` : 'never'}</td>
                <td class="r actions"><button class="btn btn-sm" type="button" aria-expanded=${this.open?.id === a.id ? 'true' : 'false'} @click=${() => this.toggleDeliveries(a)} aria-label="Deliveries of ${label}">Deliveries</button>
                  ${canEdit ? html`<button class="btn btn-sm btn-danger" type="button" @click=${() => void this.deleteAlert(a)} aria-label="Delete ${label}">Delete</button>` : nothing}</td></tr>`;
            })
          : loadingRows(2, 5)}</tbody></table></div>
      ${this.cursor ? html`<div class="more"><button class="btn btn-sm" @click=${() => void this.load(true)}>Load more</button></div>` : nothing}
    </section>`;
  }

  override render() {
    return html`<div class="section">
      ${this.created ? this.renderCreated(this.created) : nothing}
      ${this.renderForm()}
      ${this.error ? errorState(this.error, () => void this.load(false)) : this.renderList()}
      ${this.open ? this.renderDeliveries(this.open) : nothing}
      ${this.live ? this.renderFeed() : nothing}
      <dialog class="delete" aria-labelledby="delete-title"><form method="dialog" class="stack">
        <h2 id="delete-title">Delete ${this.deleting?.name ?? 'this alert'}?</h2>
        <p class="muted">It stops firing at once; deliveries not sent yet are dropped, and its delivery log goes with it.</p>
        <div class="row end"><button class="btn" value="no">Cancel</button><button class="btn danger" value="yes">Delete alert</button></div>
      </form></dialog>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    sectionStyles,
    css`
      h2 { font-size: var(--text-base); }
      .intro { margin: 4px 0 var(--space-4); }
      .alert-form { display: flex; flex-direction: column; gap: var(--space-4); }
      .grid { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: var(--space-3); }
      .grid.two { grid-template-columns: repeat(2, minmax(0, 1fr)); }
      @media (max-width: 1100px) { .grid { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
      @media (max-width: 560px) { .grid, .grid.two { grid-template-columns: minmax(0, 1fr); } }
      fieldset { border: 0; padding: 0; margin: 0; }
      legend { font-size: var(--text-sm); font-weight: 550; margin-bottom: 6px; padding: 0; }
      .checks { display: flex; flex-wrap: wrap; gap: var(--space-2) var(--space-4); align-items: center; }
      .checks legend { width: 100%; }
      .check { display: flex; align-items: center; gap: 8px; font-size: var(--text-sm); }
      .checks .error { width: 100%; }
      details > summary { cursor: pointer; font-size: var(--text-sm); font-weight: 600; }
      details[open] > summary { margin-bottom: var(--space-3); }
      details .grid { margin-bottom: var(--space-3); }
      .channels { display: grid; grid-template-columns: 1fr 1fr; gap: var(--space-2); }
      .channels legend { grid-column: 1 / -1; }
      @media (max-width: 560px) { .channels { grid-template-columns: minmax(0, 1fr); } }
      .channel { display: flex; gap: 8px; align-items: flex-start; border: 1px solid var(--border-strong); border-radius: var(--radius); padding: 10px; cursor: pointer; font-size: var(--text-sm); }
      .channel > span { display: flex; flex-direction: column; line-height: 1.3; min-width: 0; }
      .channel.on { border-color: var(--accent); background: var(--accent-soft); }
      .channel input { margin: 2px 0 0; accent-color: var(--accent); }
      .channel:focus-within { outline: 2px solid var(--focus); outline-offset: 1px; }
      .error { color: var(--red); font-size: var(--text-xs); font-weight: 500; }
      .created { border-color: var(--accent); display: flex; flex-direction: column; gap: var(--space-3); }
      .key { display: flex; gap: var(--space-2); align-items: center; background: var(--bg-subtle); border: 1px solid var(--border); border-radius: var(--radius); padding: var(--space-3); }
      .key code { flex: 1; word-break: break-all; }
      td.rule { white-space: normal; min-width: 220px; }
      /* Two-line cells need room above and below, which the table's fixed row height does not give. */
      table.data td.rule, table.data td.to { height: auto; padding-top: var(--space-2); padding-bottom: var(--space-2); }
      .url { max-width: 260px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
      td.actions { white-space: nowrap; }
      td.actions .btn + .btn { margin-left: var(--space-2); }
      tr.open td { background: var(--bg-subtle); }
      td.outcome { white-space: normal; min-width: 200px; }
      .attempts { margin: 4px 0 0; padding-left: 18px; color: var(--text-muted); }
      .pad { padding: var(--space-4) var(--space-5); margin: 0; }
      .feed { list-style: none; margin: 0; padding: 0; }
      .feed li { display: flex; justify-content: space-between; align-items: center; gap: var(--space-3); padding: var(--space-3) var(--space-5); border-bottom: 1px solid var(--border); flex-wrap: wrap; }
      .feed li:last-child { border-bottom: 0; }
      .feed li > div:first-child { min-width: 0; flex: 1 1 260px; }
      /* Phones: each row a small card, not a table scrolled sideways. */
      @media (max-width: 600px) {
        table.stacked thead { display: none; }
        table.stacked tr { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; padding: var(--space-3) var(--space-4); border-bottom: 1px solid var(--border); }
        table.stacked tr:last-child { border-bottom: 0; }
        table.stacked td { height: auto; padding: 0; border: 0; white-space: normal; }
        table.stacked td.rule, table.stacked td.outcome, table.stacked td.actions { flex: 1 1 100%; min-width: 0; text-align: left; }
        table.stacked td.to { flex: 1 1 100%; min-width: 0; }
        table.stacked td[data-label]::before { content: attr(data-label) ': '; color: var(--text-muted); }
        .url { max-width: 100%; }
      }
    `,
  ];
}

customElements.define('app-alerts', AlertsSection);
