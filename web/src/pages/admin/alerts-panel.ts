// `<admin-alerts>`: billing alerts across tenants, newest first (GET /v1/admin/billing-events), by
// severity, in cursor pages.
import { html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadMoreButton, statesStyles } from '../../components/ui';
import { PagedList } from '../../lib/paged-list';
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
  static override properties = { severity: { state: true } };
  declare severity: string;

  private readonly list = new PagedList<BillingEvent>(this, api, '/v1/admin/billing-events', () => ({ severity: this.severity || undefined, limit: 15 }));

  constructor() {
    super();
    this.severity = '';
  }

  override render() {
    return html`<section class="card" aria-labelledby="alerts-title">
      <div class="card-head"><h2 id="alerts-title">Billing alerts</h2>
        <label class="inline-label">Severity <select @change=${(e: Event) => { this.severity = (e.target as HTMLSelectElement).value; void this.list.reload(); }}>
          <option value="">All</option><option value="critical">Critical</option><option value="warning">Warning</option><option value="info">Info</option></select></label></div>
      ${this.list.error ? html`<div class="card-pad">${errorState(this.list.error, () => void this.list.retry())}</div>` : nothing}
      ${this.list.rows === null
        ? html`<div class="card-pad"><div class="skeleton sk"></div></div>`
        : this.list.rows.length === 0
          ? emptyState('No alerts', 'Low balances, exhausted credit and payment mismatches appear here.')
          : html`<ul class="feed">${this.list.rows.map((e) => html`<li data-event=${e.id}>
              <span class="badge ${TONE[e.severity]}">${e.severity}</span>
              <div class="what"><span class="mono strong">${e.kind}</span>${e.tenantId ? html` <span class="faint mono tiny">${e.tenantId}</span>` : nothing}
                <div class="faint tiny">${eventDetail(e.detail)}</div></div>
              <gpb-age class="faint tiny" at=${e.createdAt}></gpb-age></li>`)}</ul>
            ${loadMoreButton(this.list)}`}
    </section>`;
  }

  static override styles = [
    base,
    statesStyles,
    adminStyles,
  ];
}

customElements.define('admin-alerts', AlertsPanel);
