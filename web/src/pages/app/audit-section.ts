// Dashboard › Audit log (/app/audit, admins): the append-only log, newest first, by action, in pages.
import { html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadingRows, loadMoreButton, statesStyles } from '../../components/ui';
import { formatDateTime } from '../../lib/format';
import { PagedList } from '../../lib/paged-list';
import { api } from '../../lib/session';
import type { AuditEntry } from '../../lib/types';
import { sectionStyles } from './section-styles';

const ACTIONS = ['tenant.signup', 'auth.login', 'auth.login_failed', 'auth.logout', 'auth.refresh_reuse', 'api_key.create', 'api_key.revoke', 'member.add', 'member.role_change', 'member.remove'];

export class AuditSection extends LitElement {
  static override properties = { action: { state: true } };
  declare action: string;
  private readonly list = new PagedList<AuditEntry>(this, api, '/v1/audit', () => ({ action: this.action || undefined, limit: 50 }));

  constructor() {
    super();
    this.action = '';
  }

  override render() {
    return html`<div class="section">
      <div class="toolbar"><label class="inline-label">Action
        <select @change=${(e: Event) => { this.action = (e.target as HTMLSelectElement).value; void this.list.reload(); }}>
          <option value="">All actions</option>${ACTIONS.map((a) => html`<option value=${a} ?selected=${this.action === a}>${a}</option>`)}
        </select></label></div>
      ${this.list.error ? errorState(this.list.error, () => void this.list.retry()) : nothing}
      <section class="card">
        ${this.list.rows && this.list.rows.length === 0
          ? emptyState('Nothing recorded', this.action ? `No ${this.action} entries.` : 'Security-relevant actions appear here.')
          : html`<div class="table-wrap"><table class="data">
              <thead><tr><th>When</th><th>Action</th><th>Actor</th><th>Target</th><th>IP</th><th>Detail</th></tr></thead>
              <tbody>${this.list.rows
                ? this.list.rows.map((e) => html`<tr><td class="num muted">${formatDateTime(e.at)}</td><td><span class="mono">${e.action}</span></td>
                    <td>${e.actor.type}${e.actor.id ? html` <span class="mono faint">${e.actor.id}</span>` : nothing}</td>
                    <td>${e.target ? html`${e.target.type} <span class="mono faint">${e.target.id ?? ''}</span>` : '—'}</td>
                    <td class="mono muted">${e.ip ?? '—'}</td>
                    <td class="muted small">${Object.entries(e.detail).map(([k, v]) => `${k}: ${v}`).join(' · ') || '—'}</td></tr>`)
                : loadingRows(6, 6)}</tbody></table></div>
            ${loadMoreButton(this.list)}`}
      </section>
    </div>`;
  }

  static override styles = [base, statesStyles, sectionStyles];
}

customElements.define('app-audit', AuditSection);
