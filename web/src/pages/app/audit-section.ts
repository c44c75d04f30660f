// Dashboard › Audit log (/app/audit, admins): the append-only log, newest first, by action, in pages.
import { html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadingRows, statesStyles } from '../../components/ui';
import { formatDateTime } from '../../lib/format';
import { api } from '../../lib/session';
import type { AuditEntry } from '../../lib/types';
import { sectionStyles } from './section-styles';

const ACTIONS = ['tenant.signup', 'auth.login', 'auth.login_failed', 'auth.logout', 'auth.refresh_reuse', 'api_key.create', 'api_key.revoke', 'member.add', 'member.role_change', 'member.remove'];

export class AuditSection extends LitElement {
  static override properties = { entries: { state: true }, cursor: { state: true }, error: { state: true }, action: { state: true }, busy: { state: true } };
  declare entries: AuditEntry[] | null;
  declare cursor: string | null;
  declare error: unknown;
  declare action: string;
  declare busy: boolean;

  constructor() {
    super();
    this.entries = null;
    this.cursor = null;
    this.error = null;
    this.action = '';
    this.busy = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load(false);
  }

  private async load(more: boolean) {
    this.busy = true;
    this.error = null;
    try {
      const page = await api.page<AuditEntry>('/v1/audit', { action: this.action || undefined, limit: 50 }, more ? this.cursor : null);
      this.entries = more && this.entries ? [...this.entries, ...page.data] : page.data;
      this.cursor = page.nextCursor;
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    return html`<div class="section">
      <div class="toolbar"><label class="inline-label">Action
        <select @change=${(e: Event) => { this.action = (e.target as HTMLSelectElement).value; this.entries = null; void this.load(false); }}>
          <option value="">All actions</option>${ACTIONS.map((a) => html`<option value=${a} ?selected=${this.action === a}>${a}</option>`)}
        </select></label></div>
      ${this.error ? errorState(this.error, () => void this.load(this.entries !== null)) : nothing}
      <section class="card">
        ${this.entries && this.entries.length === 0
          ? emptyState('Nothing recorded', this.action ? `No ${this.action} entries.` : 'Security-relevant actions appear here.')
          : html`<div class="table-wrap"><table class="data">
              <thead><tr><th>When</th><th>Action</th><th>Actor</th><th>Target</th><th>IP</th><th>Detail</th></tr></thead>
              <tbody>${this.entries
                ? this.entries.map((e) => html`<tr><td class="num muted">${formatDateTime(e.at)}</td><td><span class="mono">${e.action}</span></td>
                    <td>${e.actor.type}${e.actor.id ? html` <span class="mono faint">${e.actor.id}</span>` : nothing}</td>
                    <td>${e.target ? html`${e.target.type} <span class="mono faint">${e.target.id ?? ''}</span>` : '—'}</td>
                    <td class="mono muted">${e.ip ?? '—'}</td>
                    <td class="muted small">${Object.entries(e.detail).map(([k, v]) => `${k}: ${v}`).join(' · ') || '—'}</td></tr>`)
                : loadingRows(6, 6)}</tbody></table></div>
            ${this.cursor ? html`<div class="more"><button class="btn btn-sm" ?disabled=${this.busy} @click=${() => void this.load(true)}>${this.busy ? 'Loading…' : 'Load more'}</button></div>` : nothing}`}
      </section>
    </div>`;
  }

  static override styles = [base, statesStyles, sectionStyles];
}

customElements.define('app-audit', AuditSection);
