// `<admin-tenants>`: every tenant (GET /v1/admin/tenants) with search, plan filter and cursor pages, and
// the credit adjustment form (POST /v1/admin/billing/adjustments with an Idempotency-Key), filled from
// a row's "Adjust credit".
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadingRows, messageOf, statesStyles, toast } from '../../components/ui';
import { ApiError, SubmissionKey } from '../../lib/api';
import { formatCost, formatDate, formatSignedCost } from '../../lib/format';
import { api } from '../../lib/session';
import type { AdminTenant, Adjustment, Page } from '../../lib/types';
import { adminStyles } from './admin-styles';

const PLANS = ['free', 'basic', 'pro', 'corp', 'enterprise'];

export class TenantsPanel extends LitElement {
  static override properties = {
    rows: { state: true },
    cursor: { state: true },
    error: { state: true },
    q: { state: true },
    plan: { state: true },
    busy: { state: true },
    tenantId: { state: true },
    amount: { state: true },
    reason: { state: true },
    posting: { state: true },
    formError: { state: true },
    last: { state: true },
  };
  declare rows: AdminTenant[] | null;
  declare cursor: string | null;
  declare error: unknown;
  declare q: string;
  declare plan: string;
  declare busy: boolean;
  declare tenantId: string;
  declare amount: string;
  declare reason: string;
  declare posting: boolean;
  declare formError: unknown;
  declare last: Adjustment | null;

  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly submission = new SubmissionKey();

  constructor() {
    super();
    this.rows = null;
    this.cursor = null;
    this.error = null;
    this.q = '';
    this.plan = '';
    this.busy = false;
    this.tenantId = '';
    this.amount = '';
    this.reason = '';
    this.posting = false;
    this.formError = null;
    this.last = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load(false);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
  }

  private async load(more: boolean) {
    this.busy = true;
    this.error = null;
    try {
      const page = await api.page<AdminTenant>('/v1/admin/tenants', { q: this.q.trim() || undefined, plan: this.plan || undefined, limit: 20 }, more ? this.cursor : null);
      this.rows = more && this.rows ? [...this.rows, ...page.data] : page.data;
      this.cursor = page.nextCursor;
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  /** Typing searches after a pause, not on every key (each search is a request). */
  private search(value: string) {
    this.q = value;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => {
      this.rows = null;
      void this.load(false);
    }, 350);
  }

  private async pick(t: AdminTenant) {
    this.tenantId = t.id;
    this.formError = null;
    await this.updateComplete;
    const amount = this.renderRoot.querySelector<HTMLInputElement>('input[name="amountUsd"]');
    amount?.scrollIntoView({ block: 'nearest' });
    amount?.focus();
  }

  private async adjust(e: SubmitEvent) {
    e.preventDefault();
    const amountUsd = Number(this.amount.trim().replace(/^\+/, ''));
    const body = { tenantId: this.tenantId.trim(), amountUsd, reason: this.reason.trim() };
    if (!this.amount.trim() || !Number.isFinite(amountUsd)) {
      this.formError = new ApiError(400, 'Invalid request', undefined, [{ field: 'body.amountUsd', message: 'A dollar amount; negative takes credit away.' }]);
      return;
    }
    const text = JSON.stringify(body);
    // The same adjustment keeps its key: a retry after a lost answer posts it once.
    this.posting = true;
    this.formError = null;
    try {
      this.last = await api.post<Adjustment>('/v1/admin/billing/adjustments', body, { idempotencyKey: this.submission.for(text) });
      this.submission.done();
      toast(`${formatSignedCost(this.last.amountUsd)} for ${this.name(this.last.tenantId)}; balance ${formatCost(this.last.balanceUsd)}`, 'ok');
      this.rows = this.rows?.map((r) => (r.id === this.last!.tenantId ? { ...r, balanceUsd: this.last!.balanceUsd } : r)) ?? null;
      this.amount = '';
      this.reason = '';
    } catch (err) {
      this.formError = err;
    } finally {
      this.posting = false;
    }
  }

  private name(id: string): string {
    return this.rows?.find((r) => r.id === id)?.name ?? id;
  }

  private fieldError(field: string): string | undefined {
    return this.formError instanceof ApiError ? this.formError.fieldError(`body.${field}`) : undefined;
  }

  private renderForm() {
    const general = this.formError && !['tenantId', 'amountUsd', 'reason'].some((f) => this.fieldError(f)) ? messageOf(this.formError) : null;
    const field = (name: 'tenantId' | 'amountUsd' | 'reason', label: string, value: string, set: (v: string) => void, placeholder: string) => {
      const err = this.fieldError(name);
      return html`<label class="field">${label}<input name=${name} .value=${value} placeholder=${placeholder} autocomplete="off"
        @input=${(e: Event) => set((e.target as HTMLInputElement).value)} aria-invalid=${err ? 'true' : 'false'} />${err ? html`<span class="error">${err}</span>` : nothing}</label>`;
    };
    return html`<form class="adjust" @submit=${this.adjust} aria-labelledby="adjust-title">
      <h3 id="adjust-title">Adjust credit</h3>
      <p class="faint small">Posted to the ledger against the adjustments account, with an audit row in the tenant’s log.</p>
      ${field('tenantId', 'Tenant', this.tenantId, (v) => (this.tenantId = v), 'ten_…')}
      ${this.tenantId && this.rows?.some((r) => r.id === this.tenantId) ? html`<span class="picked small">${this.name(this.tenantId)}</span>` : nothing}
      ${field('amountUsd', 'Amount (USD, negative removes)', this.amount, (v) => (this.amount = v), '25')}
      ${field('reason', 'Reason', this.reason, (v) => (this.reason = v), 'e.g. goodwill credit for the outage on the 3rd')}
      ${general ? html`<div class="notice error" role="alert">${general}</div>` : nothing}
      ${this.last ? html`<div class="notice ok small" data-testid="adjusted">${formatSignedCost(this.last.amountUsd)} posted to ${this.name(this.last.tenantId)}: balance now ${formatCost(this.last.balanceUsd)}.</div>` : nothing}
      <button class="btn btn-primary" type="submit" ?disabled=${this.posting || !this.tenantId.trim()}>${this.posting ? 'Posting…' : 'Post adjustment'}</button>
    </form>`;
  }

  override render() {
    return html`<section class="card" aria-labelledby="tenants-title">
      <div class="card-head">
        <h2 id="tenants-title">Tenants</h2>
        <div class="row filters">
          <label class="inline-label"><span class="sr-only">Search tenants</span><input type="search" name="q" placeholder="Name or ten_… id" .value=${this.q} @input=${(e: Event) => this.search((e.target as HTMLInputElement).value)} /></label>
          <label class="inline-label">Plan <select name="plan" @change=${(e: Event) => { this.plan = (e.target as HTMLSelectElement).value; this.rows = null; void this.load(false); }}>
            <option value="">All</option>${PLANS.map((p) => html`<option value=${p} ?selected=${this.plan === p}>${p}</option>`)}</select></label>
        </div>
      </div>
      <div class="split">
        <div class="list">
          ${this.error ? html`<div class="card-pad">${errorState(this.error, () => void this.load(this.rows !== null))}</div>` : nothing}
          ${this.rows && this.rows.length === 0
            ? emptyState('No tenants match', this.q ? `Nothing matches “${this.q}”.` : 'No tenant is on this plan.')
            : html`<div class="table-wrap"><table class="data">
                <thead><tr><th>Tenant</th><th>Plan</th><th class="r">Members</th><th class="r">Active deployments</th><th class="r">Balance</th><th>Since</th><th><span class="sr-only">Actions</span></th></tr></thead>
                <tbody>${this.rows
                  ? this.rows.map((t) => html`<tr data-tenant=${t.id} class=${t.id === this.tenantId ? 'picked-row' : ''}>
                      <td><span class="strong">${t.name}</span><div class="mono faint tiny">${t.id}</div></td><td><span class="badge plain">${t.plan}</span></td>
                      <td class="r num">${t.members}</td><td class="r num">${t.activeDeployments}</td>
                      <td class="r num strong ${t.balanceUsd < 0 ? 'neg' : ''}" data-testid="tenant-balance">${formatCost(t.balanceUsd)}</td>
                      <td class="muted num">${formatDate(t.createdAt)}</td>
                      <td class="r"><button class="btn btn-sm" type="button" @click=${() => this.pick(t)} aria-label="Adjust credit of ${t.name}">Adjust</button></td></tr>`)
                  : loadingRows(4, 7)}</tbody></table></div>
              ${this.cursor ? html`<div class="more"><button class="btn btn-sm" ?disabled=${this.busy} @click=${() => void this.load(true)}>${this.busy ? 'Loading…' : 'Load more'}</button></div>` : nothing}`}
        </div>
        ${this.renderForm()}
      </div>
    </section>`;
  }

  static override styles = [
    base,
    statesStyles,
    adminStyles,
    css`
      .filters input[type='search'] { width: 220px; }
      @media (max-width: 640px) { .filters input[type='search'] { width: 100%; } .filters { width: 100%; } .filters label:first-child { flex: 1; } }
      .split { display: grid; grid-template-columns: minmax(0, 1fr) 320px; }
      @media (max-width: 1000px) { .split { grid-template-columns: minmax(0, 1fr); } }
      .list { min-width: 0; border-right: 1px solid var(--border); }
      @media (max-width: 1000px) { .list { border-right: 0; border-bottom: 1px solid var(--border); } }
      table.data td { height: 52px; }
      .neg { color: var(--red); }
      tr.picked-row td { background: var(--accent-soft); }
      .adjust { display: flex; flex-direction: column; gap: var(--space-3); padding: var(--space-4) var(--space-5); }
      .adjust h3 { font-size: var(--text-base); }
      .picked { color: var(--accent); margin-top: -6px; }
    `,
  ];
}

customElements.define('admin-tenants', TenantsPanel);
