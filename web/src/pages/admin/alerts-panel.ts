// `<admin-alerts>`: billing alerts across tenants, newest first (GET /v1/admin/billing-events), by
// severity, in cursor pages.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, statesStyles } from '../../components/ui';
import { api } from '../../lib/session';
import type { BillingEvent } from '../../lib/types';
import { adminStyles } from './admin-styles';

const TONE: Record<BillingEvent['severity'], string> = { info: 'blue', warning: 'amber', critical: 'red' };

/** The few detail fields worth a glance, as "key: value" (amounts and ids). */
export function eventDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
    .slice(0, 4)
    .map(([k, v]) => `${k}: ${v}`)
    .join(' · ');
}

export class AlertsPanel extends LitElement {
  static override properties = { rows: { state: true }, cursor: { state: true }, error: { state: true }, severity: { state: true } };
  declare rows: BillingEvent[] | null;
  declare cursor: string | null;
  declare error: unknown;
  declare severity: string;

  constructor() {
    super();
    this.rows = null;
    this.cursor = null;
    this.error = null;
    this.severity = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load(false);
  }

  private async load(more: boolean) {
    this.error = null;
    try {
      const page = await api.page<BillingEvent>('/v1/admin/billing-events', { severity: this.severity || undefined, limit: 15 }, more ? this.cursor : null);
      this.rows = more && this.rows ? [...this.rows, ...page.data] : page.data;
      this.cursor = page.nextCursor;
    } catch (err) {
      this.error = err;
    }
  }

  override render() {
    return html`<section class="card" aria-labelledby="alerts-title">
      <div class="card-head"><h2 id="alerts-title">Billing alerts</h2>
        <label class="inline-label">Severity <select @change=${(e: Event) => { this.severity = (e.target as HTMLSelectElement).value; this.rows = null; void this.load(false); }}>
          <option value="">All</option><option value="critical">Critical</option><option value="warning">Warning</option><option value="info">Info</option></select></label></div>
      ${this.error ? html`<div class="card-pad">${errorState(this.error, () => void this.load(false))}</div>` : nothing}
      ${this.rows === null
        ? html`<div class="card-pad"><div class="skeleton sk"></div></div>`
        : this.rows.length === 0
          ? emptyState('No alerts', 'Low balances, exhausted credit and payment mismatches appear here.')
          : html`<ul class="feed">${this.rows.map((e) => html`<li data-event=${e.id}>
              <span class="badge ${TONE[e.severity]}">${e.severity}</span>
              <div class="what"><span class="mono strong">${e.kind}</span>${e.tenantId ? html` <span class="faint mono tiny">${e.tenantId}</span>` : nothing}
                <div class="faint tiny">${eventDetail(e.detail)}</div></div>
              <gpb-age class="faint tiny" at=${e.createdAt}></gpb-age></li>`)}</ul>
            ${this.cursor ? html`<div class="more"><button class="btn btn-sm" @click=${() => void this.load(true)}>Load more</button></div>` : nothing}`}
    </section>`;
  }

  static override styles = [
    base,
    statesStyles,
    adminStyles,
    css`
      .feed { list-style: none; margin: 0; padding: 0; }
      .feed li { display: grid; grid-template-columns: 84px minmax(0, 1fr) auto; gap: var(--space-3); align-items: start; padding: var(--space-3) var(--space-5); border-bottom: 1px solid var(--border); font-size: var(--text-sm); }
      .feed li:last-child { border-bottom: 0; }
      .what { min-width: 0; overflow-wrap: anywhere; }
      .tiny { font-size: 11px; }
      .sk { height: 160px; }
    `,
  ];
}

customElements.define('admin-alerts', AlertsPanel);
