// Deploy (/deploy/:offerId): the offer, a form (image, command, secret env, SSH key, limits), a
// review of the quoted price and the estimated cost, then POST /v1/deployments with one
// Idempotency-Key per reviewed body (a retry after a network error cannot deploy twice). The credit
// available is shown beside the estimate; a 402 for missing credit offers "Add credit", which comes
// back here after the checkout. `?maxHours=` prefills the time limit (from a recommendation).
import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { base } from '../components/styles';
import { availabilityBadge, errorState, messageOf, statesStyles } from '../components/ui';
import { ApiError, SubmissionKey } from '../lib/api';
import { deployBody, type DeployBody, type DeployFormValues } from '../lib/deploy-form';
import { suggestTopUp } from '../lib/billing';
import { estimateCost, formatCost, formatGb, formatHours, formatPrice, pricingLabel } from '../lib/format';
import { navigate } from '../lib/router';
import { api, cachedGet, reads, session } from '../lib/session';
import type { Balance, Deployment, Offer } from '../lib/types';

const DEFAULT_IMAGE = 'pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime';

export class DeployPage extends LitElement {
  static override properties = {
    params: { attribute: false },
    query: { attribute: false },
    offer: { state: true },
    balance: { state: true },
    loadError: { state: true },
    values: { state: true },
    errors: { state: true },
    review: { state: true },
    busy: { state: true },
    submitError: { state: true },
    revealed: { state: true },
  };
  declare params: Record<string, string>;
  declare query: URLSearchParams;
  declare offer: Offer | null;
  declare balance: Balance | null;
  declare loadError: unknown;
  declare values: DeployFormValues;
  declare errors: Record<string, string>;
  declare review: DeployBody | null;
  declare busy: boolean;
  declare submitError: unknown;
  declare revealed: Set<number>;

  private readonly submission = new SubmissionKey();
  private envIds = [0];
  private nextEnvId = 1;

  constructor() {
    super();
    this.params = {};
    this.query = new URLSearchParams();
    this.offer = null;
    this.balance = null;
    this.loadError = null;
    this.values = { name: '', image: DEFAULT_IMAGE, command: '', env: [{ key: '', value: '' }], ports: '', sshPublicKey: '', diskGb: '', maxHours: '4', maxSpendUsd: '', failover: true };
    this.errors = {};
    this.review = null;
    this.busy = false;
    this.submitError = null;
    this.revealed = new Set();
  }

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('query')) {
      const hours = Number(this.query.get('maxHours'));
      if (Number.isFinite(hours) && hours > 0 && hours <= 8760) this.values = { ...this.values, maxHours: String(hours) };
    }
    if (changed.has('params')) void this.load();
  }

  private async load() {
    this.loadError = null;
    void this.loadBalance();
    try {
      // Public market data: read anonymously, so it does not spend the plan's request budget.
      this.offer = await api.get<Offer>(`/v1/offers/${encodeURIComponent(this.params.offerId ?? '')}`, { auth: 'none' });
      if (!this.values.name) this.set('name', `${this.offer.gpuModel.toLowerCase()}-${Math.random().toString(36).slice(2, 6)}`);
      document.title = `Deploy ${this.offer.gpuCount}× ${this.offer.gpuModel} · GPUBroker`;
    } catch (err) {
      this.loadError = err;
    }
  }

  private async loadBalance() {
    try {
      this.balance = await cachedGet<Balance>('/v1/billing/balance');
    } catch {
      this.balance = null;
    }
  }

  /** The price per hour with the platform margin: what the credit is charged while the pod runs. */
  private chargedPerHour(o: Offer): number {
    return o.pricePerHourUsd * (1 + (this.balance?.marginPercent ?? 0) / 100);
  }

  /** Where "Add credit" goes: the billing page with an amount that covers the run, and back here afterwards. */
  private addCreditHref(o: Offer, b: DeployBody | null): string {
    const hours = b?.maxHours ?? (Number(this.values.maxHours) || 1);
    const need = estimateCost(this.chargedPerHour(o), hours, b?.maxSpendUsd ?? null) ?? this.chargedPerHour(o);
    const back = `/deploy/${o.id}?maxHours=${encodeURIComponent(String(hours))}`;
    return `/app/billing?add=${suggestTopUp(need - (this.balance?.availableUsd ?? 0))}&return=${encodeURIComponent(back)}`;
  }

  private set<K extends keyof DeployFormValues>(key: K, value: DeployFormValues[K]) {
    this.values = { ...this.values, [key]: value };
    if (this.errors[key as string]) {
      const { [key as string]: _gone, ...rest } = this.errors;
      this.errors = rest;
    }
  }

  private setEnv(i: number, field: 'key' | 'value', value: string) {
    const env = this.values.env.map((row, j) => (j === i ? { ...row, [field]: value } : row));
    this.set('env', env);
  }

  private addEnv() {
    this.envIds = [...this.envIds, this.nextEnvId++];
    this.set('env', [...this.values.env, { key: '', value: '' }]);
  }

  private removeEnv(i: number) {
    this.envIds = this.envIds.filter((_, j) => j !== i);
    this.set('env', this.values.env.filter((_, j) => j !== i));
  }

  private async toReview(e: Event) {
    e.preventDefault();
    const result = deployBody(this.offer!.id, this.values);
    if (result.errors) {
      this.errors = result.errors;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    this.errors = {};
    this.review = result.body;
    this.submitError = null;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#review-title')?.focus();
  }

  private async confirm() {
    const body = this.review!;
    const text = JSON.stringify(body);
    // The same reviewed body keeps its key, so a retry replays instead of deploying twice.
    this.busy = true;
    this.submitError = null;
    try {
      const d = await api.post<Deployment>('/v1/deployments', body, { idempotencyKey: this.submission.for(text) });
      reads.invalidate('/v1/billing');
      navigate(`/deployments/${d.id}`);
    } catch (err) {
      this.submitError = err;
      if (err instanceof ApiError && err.status === 400 && err.errors.length) {
        this.errors = Object.fromEntries(err.errors.map((e) => [e.field.replace(/^body\./, ''), e.message]));
        this.review = null;
      }
    } finally {
      this.busy = false;
    }
  }

  private field(name: keyof DeployFormValues, label: string, opts: { type?: string; placeholder?: string; hint?: string; inputmode?: string; step?: string } = {}) {
    const err = this.errors[name];
    return html`<label class="field">${label}
      <input name=${name} type=${opts.type ?? 'text'} placeholder=${opts.placeholder ?? nothing} inputmode=${opts.inputmode ?? nothing} step=${opts.step ?? nothing}
        .value=${String(this.values[name])} @input=${(e: Event) => this.set(name, (e.target as HTMLInputElement).value as never)}
        aria-invalid=${err ? 'true' : 'false'} aria-describedby="${name}-note" />
      ${err ? html`<span class="error" id="${name}-note">${err}</span>` : opts.hint ? html`<span class="hint" id="${name}-note">${opts.hint}</span>` : nothing}
    </label>`;
  }

  private renderOffer(o: Offer) {
    return html`<aside class="card card-pad offer" aria-label="Offer">
      <span class="label">Offer</span>
      <div class="offer-title">${o.gpuCount}× ${o.gpuModel}</div>
      <div class="muted small">${o.provider} · ${o.region}${o.country ? ` (${o.country})` : ''} · ${pricingLabel(o.pricing)}</div>
      <div class="row">${availabilityBadge(o.availability)}<span class="faint small">price observed <gpb-age at=${o.observedAt}></gpb-age></span></div>
      <dl class="kv">
        <dt>Per hour</dt><dd class="num strong" data-testid="quoted-price">${formatPrice(o.pricePerHourUsd)}</dd>
        <dt>Per GPU-hour</dt><dd class="num">${formatPrice(o.pricePerGpuHourUsd)}</dd>
        <dt>VRAM</dt><dd class="num">${o.gpuCount} × ${formatGb(o.vramGbPerGpu)}</dd>
        <dt>vCPU · RAM</dt><dd class="num">${o.vcpus ?? '—'} · ${formatGb(o.ramGb)}</dd>
        <dt>Disk</dt><dd class="num">${formatGb(o.storageGb)}</dd>
      </dl>
      ${this.renderCredit(o)}
      ${o.pricing !== 'on_demand' ? html`<p class="notice warn small">${pricingLabel(o.pricing)} capacity can be reclaimed by the provider. Turn on failover to move to the next best offer.</p>` : nothing}
    </aside>`;
  }

  private renderCredit(o: Offer) {
    const b = this.balance;
    if (!b) return nothing;
    const perHour = this.chargedPerHour(o);
    const hours = perHour > 0 ? b.availableUsd / perHour : 0;
    return html`<div class="credit">
      <div class="row between"><span class="muted small">Available credit</span><strong class="num" data-testid="available-credit">${formatCost(b.availableUsd)}</strong></div>
      <span class="faint small">${b.availableUsd > 0 ? `Covers about ${formatHours(hours)} at ${formatPrice(perHour)}/h incl. the ${b.marginPercent}% margin.` : 'Deployments draw on prepaid credit.'}</span>
      ${session.can('member') ? html`<a class="small" href=${this.addCreditHref(o, this.review)}>Add credit</a>` : nothing}
    </div>`;
  }

  private renderSubmitError(o: Offer, b: DeployBody) {
    const err = this.submitError;
    if (err instanceof ApiError && err.status === 402 && err.type.endsWith('/insufficient-credit')) {
      return html`<div class="notice warn credit-short" role="alert" data-testid="insufficient-credit">
        <div><strong>Not enough credit to start this pod.</strong> A deployment starts when the credit covers its first minutes at the price plus the margin${this.balance ? html`; you have <span class="num">${formatCost(this.balance.availableUsd)}</span> available` : nothing}.</div>
        <a class="btn btn-primary btn-sm" href=${this.addCreditHref(o, b)}>Add credit</a>
      </div>`;
    }
    if (err instanceof ApiError && err.status === 402) {
      return html`<div class="notice error" role="alert">${messageOf(err)} <a href="/app">Change the monthly cap</a></div>`;
    }
    return html`<div class="notice error" role="alert">${messageOf(err)}</div>`;
  }

  private renderForm() {
    const v = this.values;
    return html`<form class="card card-pad stack" @submit=${this.toReview} aria-label="Deployment settings">
      <div class="grid two">
        ${this.field('name', 'Name')}
        ${this.field('image', 'Container image', { hint: 'Any public image reference.' })}
      </div>
      ${this.field('command', 'Command (optional)', { placeholder: 'python train.py --epochs 3', hint: 'Runs instead of the image’s default. Quotes group words.' })}
      <fieldset class="env">
        <legend>Environment variables <span class="hint">Values are encrypted and passed only to the pod; never shown again.</span></legend>
        ${repeat(v.env, (_row, i) => this.envIds[i], (row, i) => html`<div class="env-row">
          <input aria-label="Variable ${i + 1} name" placeholder="NAME" class="mono" .value=${row.key} @input=${(e: Event) => this.setEnv(i, 'key', (e.target as HTMLInputElement).value)}
            aria-invalid=${this.errors[`env.${i}.key`] ? 'true' : 'false'} />
          <input aria-label="Variable ${i + 1} value (secret)" placeholder="value" class="mono" autocomplete="off" spellcheck="false"
            type=${this.revealed.has(i) ? 'text' : 'password'} .value=${row.value} @input=${(e: Event) => this.setEnv(i, 'value', (e.target as HTMLInputElement).value)} />
          <button type="button" class="btn btn-sm btn-ghost" aria-pressed=${this.revealed.has(i) ? 'true' : 'false'} aria-label="Show value ${i + 1}"
            @click=${() => { const r = new Set(this.revealed); if (r.has(i)) r.delete(i); else r.add(i); this.revealed = r; }}>${this.revealed.has(i) ? 'Hide' : 'Show'}</button>
          <button type="button" class="btn btn-sm btn-ghost" aria-label="Remove variable ${i + 1}" @click=${() => this.removeEnv(i)}>Remove</button>
          ${this.errors[`env.${i}.key`] ? html`<span class="error full">${this.errors[`env.${i}.key`]}</span>` : nothing}
        </div>`)}
        <button type="button" class="btn btn-sm add" @click=${this.addEnv}>Add variable</button>
      </fieldset>
      <label class="field">SSH public key (optional)
        <textarea name="sshPublicKey" rows="2" placeholder="ssh-ed25519 AAAA… you@laptop" .value=${v.sshPublicKey}
          @input=${(e: Event) => this.set('sshPublicKey', (e.target as HTMLTextAreaElement).value)} aria-invalid=${this.errors.sshPublicKey ? 'true' : 'false'}></textarea>
        ${this.errors.sshPublicKey ? html`<span class="error">${this.errors.sshPublicKey}</span>` : nothing}
      </label>
      <div class="grid four">
        ${this.field('ports', 'Ports', { placeholder: '8888, 22', inputmode: 'numeric' })}
        ${this.field('diskGb', 'Disk (GB)', { type: 'number', placeholder: 'default', inputmode: 'numeric' })}
        ${this.field('maxHours', 'Stop after (hours)', { type: 'number', step: 'any', inputmode: 'decimal' })}
        ${this.field('maxSpendUsd', 'Stop at spend ($)', { type: 'number', step: 'any', placeholder: 'no limit', inputmode: 'decimal' })}
      </div>
      <label class="check"><input type="checkbox" .checked=${v.failover} @change=${(e: Event) => this.set('failover', (e.target as HTMLInputElement).checked)} />
        Fail over to the next best offer of the same GPU if this one has no capacity</label>
      <div class="row end"><a class="btn" href="/market">Cancel</a><button class="btn btn-primary" type="submit">Review deployment</button></div>
    </form>`;
  }

  private renderReview(b: DeployBody, o: Offer) {
    // What leaves the credit: the locked price plus the platform margin, per running hour.
    const estimate = estimateCost(this.chargedPerHour(o), b.maxHours ?? null, b.maxSpendUsd ?? null);
    const margin = this.balance ? ` plus the ${this.balance.marginPercent}% margin` : '';
    return html`<section class="card card-pad stack" aria-labelledby="review-title">
      <h2 id="review-title" tabindex="-1">Review and deploy</h2>
      <dl class="kv review">
        <dt>Name</dt><dd>${b.name}</dd>
        <dt>Image</dt><dd class="mono">${b.image}</dd>
        ${b.command ? html`<dt>Command</dt><dd class="mono">${b.command.join(' ')}</dd>` : nothing}
        <dt>Environment</dt><dd>${b.env ? Object.keys(b.env).join(', ') : 'none'}</dd>
        <dt>SSH key</dt><dd>${b.sshPublicKey ? 'provided' : 'none'}</dd>
        <dt>Limits</dt><dd>${b.maxHours ? `${b.maxHours} h` : 'no time limit'} · ${b.maxSpendUsd ? formatCost(b.maxSpendUsd) : 'no spend limit'}</dd>
        <dt>Failover</dt><dd>${b.failover?.enabled ? 'on' : 'off'}</dd>
      </dl>
      <div class="quote">
        <div><span class="label">Quoted price (locked)</span><div class="stat num" data-testid="review-price">${formatPrice(o.pricePerHourUsd)}<small>/h</small></div></div>
        <div><span class="label">Estimated cost</span><div class="stat num" data-testid="review-estimate">${estimate === null ? 'open-ended' : formatCost(estimate)}</div>
          <span class="faint small">${b.maxHours ? `${b.maxHours} h at the quoted price${margin}${b.maxSpendUsd ? ', capped by the spend limit' : ''}` : b.maxSpendUsd ? 'the spend limit' : `billed per running second${margin} until you stop it`}</span></div>
      </div>
      ${this.submitError ? this.renderSubmitError(o, b) : nothing}
      <div class="row end">
        <button class="btn" type="button" ?disabled=${this.busy} @click=${() => (this.review = null)}>Back</button>
        <button class="btn btn-primary" type="button" ?disabled=${this.busy} @click=${this.confirm}>${this.busy ? 'Deploying…' : `Deploy for ${formatPrice(o.pricePerHourUsd)}/h`}</button>
      </div>
    </section>`;
  }

  override render() {
    if (this.loadError) return html`<div class="page">${errorState(this.loadError, () => void this.load())}<p class="back"><a href="/market">← Back to the market</a></p></div>`;
    const o = this.offer;
    const canDeploy = session.can('member');
    return html`<div class="page">
      <div class="page-head"><div><h1>Deploy a pod</h1><p>${o ? `${o.gpuCount}× ${o.gpuModel} on ${o.provider}` : 'Loading the offer…'}</p></div></div>
      ${!canDeploy && session.me ? html`<div class="notice warn">Your role (${session.me.role}) cannot deploy; ask an admin for the member role.</div>` : nothing}
      <div class="layout">
        <div>${o ? (this.review ? this.renderReview(this.review, o) : this.renderForm()) : html`<div class="card card-pad"><div class="skeleton form-sk"></div></div>`}</div>
        ${o ? this.renderOffer(o) : html`<div class="card card-pad"><div class="skeleton offer-sk"></div></div>`}
      </div>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    css`
      .layout { display: grid; grid-template-columns: minmax(0, 1fr) 320px; gap: var(--space-4); align-items: start; }
      @media (max-width: 900px) { .layout { grid-template-columns: minmax(0, 1fr); } .layout > aside, .layout > div:last-child { order: -1; } }
      .grid.two { grid-template-columns: repeat(2, minmax(0, 1fr)); }
      .grid.four { grid-template-columns: repeat(4, minmax(0, 1fr)); }
      @media (max-width: 640px) { .grid.two { grid-template-columns: minmax(0, 1fr); } .grid.four { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
      fieldset.env { border: 1px solid var(--border); border-radius: var(--radius); padding: var(--space-3) var(--space-4) var(--space-4); margin: 0; display: flex; flex-direction: column; gap: var(--space-2); }
      legend { font-size: var(--text-sm); font-weight: 550; padding: 0 4px; }
      legend .hint { font-weight: 400; color: var(--text-muted); font-size: var(--text-xs); margin-left: 6px; }
      .env-row { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr) auto auto; gap: var(--space-2); align-items: center; }
      @media (max-width: 640px) { .env-row { grid-template-columns: 1fr 1fr; } }
      .env-row .full { grid-column: 1 / -1; }
      .error { color: var(--red); font-size: var(--text-xs); }
      .add { align-self: flex-start; }
      .check { display: flex; align-items: center; gap: 8px; font-size: var(--text-sm); }
      .end { justify-content: flex-end; }
      .offer { display: flex; flex-direction: column; gap: var(--space-2); position: sticky; top: calc(var(--header-h) + 16px); }
      .offer-title { font-size: var(--text-lg); font-weight: 650; }
      .small { font-size: var(--text-xs); }
      .kv { display: grid; grid-template-columns: auto 1fr; gap: 8px var(--space-4); margin: var(--space-2) 0 0; font-size: var(--text-sm); }
      .kv dt { color: var(--text-muted); }
      .kv dd { margin: 0; text-align: right; overflow-wrap: anywhere; }
      .kv.review dd { text-align: left; }
      .strong { font-weight: 650; }
      .quote { display: grid; grid-template-columns: 1fr 1fr; gap: var(--space-4); padding: var(--space-4); background: var(--bg-subtle); border-radius: var(--radius); }
      .quote small { font-size: var(--text-sm); color: var(--text-muted); font-weight: 500; }
      .form-sk { height: 420px; }
      .credit { display: flex; flex-direction: column; gap: 4px; margin-top: var(--space-2); padding-top: var(--space-3); border-top: 1px solid var(--border); }
      .between { justify-content: space-between; }
      .credit-short { display: flex; gap: var(--space-3); align-items: center; justify-content: space-between; flex-wrap: wrap; }
      .credit-short div { flex: 1 1 260px; }
      .offer-sk { height: 260px; }
      .back { margin-top: var(--space-4); }
    `,
  ];
}

customElements.define('deploy-page', DeployPage);
