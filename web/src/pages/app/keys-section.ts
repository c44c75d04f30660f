// Dashboard › API keys (/app/keys, admins): the tenant's keys; create one (POST with an
// Idempotency-Key; the whole key is shown once, with a copy button) and revoke one.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadingRows, loadMoreButton, messageOf, statesStyles, toast } from '../../components/ui';
import { ApiError, SubmissionKey } from '../../lib/api';
import { formatDate } from '../../lib/format';
import { PagedList } from '../../lib/paged-list';
import { api, session } from '../../lib/session';
import type { ApiKey, Role } from '../../lib/types';
import { confirmDialog, sectionStyles } from './section-styles';

const ROLES: Role[] = ['viewer', 'member', 'admin', 'owner'];

export class KeysSection extends LitElement {
  static override properties = { created: { state: true }, creating: { state: true }, formError: { state: true }, revoking: { state: true } };
  declare created: (ApiKey & { key: string }) | null;
  declare creating: boolean;
  declare formError: unknown;
  declare revoking: ApiKey | null;
  private readonly submission = new SubmissionKey();

  private readonly list = new PagedList<ApiKey>(this, api, '/v1/api-keys', () => ({ limit: 50 }));

  constructor() {
    super();
    this.created = null;
    this.creating = false;
    this.formError = null;
    this.revoking = null;
  }

  private async create(e: SubmitEvent) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const days = String(data.get('expiresInDays') ?? '');
    const body = { name: String(data.get('name') ?? '').trim(), role: String(data.get('role')), ...(days ? { expiresInDays: Number(days) } : {}) };
    const text = JSON.stringify(body);
    this.creating = true;
    this.formError = null;
    try {
      this.created = await api.post<ApiKey & { key: string }>('/v1/api-keys', body, { idempotencyKey: this.submission.for(text) });
      this.submission.done();
      form.reset();
      await this.list.refresh();
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('#created-title')?.focus();
    } catch (err) {
      this.formError = err;
    } finally {
      this.creating = false;
    }
  }

  private async revoke(k: ApiKey) {
    this.revoking = k;
    await this.updateComplete;
    if (!(await confirmDialog(this.renderRoot))) return;
    try {
      await api.delete(`/v1/api-keys/${k.id}`);
      toast(`Revoked ${k.name}`, 'ok');
      await this.list.refresh();
    } catch (err) {
      toast(messageOf(err), 'error');
    }
  }

  override render() {
    const myRole = session.me?.role ?? 'viewer';
    const grantable = ROLES.slice(0, ROLES.indexOf(myRole) + 1);
    const nameError = this.formError instanceof ApiError ? this.formError.fieldError('body.name') : undefined;
    return html`<div class="section">
      ${this.created
        ? html`<section class="card card-pad created" aria-labelledby="created-title">
            <h2 id="created-title" tabindex="-1">Your new key: ${this.created.name}</h2>
            <p class="muted">Copy it now. GPUBroker keeps only a hash, so it cannot show the key again.</p>
            <div class="key"><code class="mono" data-testid="new-key">${this.created.key}</code><gpb-copy .value=${this.created.key} label="Copy key"></gpb-copy></div>
            <div class="row end"><button class="btn" type="button" @click=${() => (this.created = null)}>I have stored it</button></div>
          </section>`
        : nothing}
      <section class="card card-pad">
        <form class="inline" @submit=${this.create} aria-label="Create an API key">
          <label class="field">Name<input name="name" required maxlength="100" placeholder="e.g. CI deploys" aria-invalid=${nameError ? 'true' : 'false'} />
            ${nameError ? html`<span class="error">${nameError}</span>` : nothing}</label>
          <label class="field">Role<select name="role">${grantable.map((r) => html`<option value=${r} ?selected=${r === 'member'}>${r}</option>`)}</select></label>
          <label class="field">Expires<select name="expiresInDays"><option value="">never</option><option value="30">in 30 days</option><option value="90">in 90 days</option><option value="365">in a year</option></select></label>
          <button class="btn btn-primary" type="submit" ?disabled=${this.creating}>${this.creating ? 'Creating…' : 'Create key'}</button>
        </form>
        ${this.formError && !nameError ? html`<div class="notice error formerr" role="alert">${messageOf(this.formError)}</div>` : nothing}
      </section>
      ${this.list.error ? errorState(this.list.error, () => void this.list.retry()) : nothing}
      <section class="card">
        ${this.list.rows && this.list.rows.length === 0
          ? emptyState('No API keys', 'Create one to call the API from your code.')
          : html`<div class="table-wrap"><table class="data">
              <thead><tr><th>Name</th><th>Key</th><th>Role</th><th>Created</th><th>Last used</th><th>Expires</th><th><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>${this.list.rows
                ? this.list.rows.map((k) => html`<tr data-key=${k.id} class=${k.revokedAt ? 'revoked' : ''}>
                    <td>${k.name}</td><td class="mono muted">${k.preview}</td><td>${k.role}</td><td class="muted num">${formatDate(k.createdAt)}</td>
                    <td class="muted">${k.lastUsedAt ? html`<gpb-age at=${k.lastUsedAt}></gpb-age>` : 'never'}</td><td class="muted num">${k.expiresAt ? formatDate(k.expiresAt) : '—'}</td>
                    <td class="r">${k.revokedAt ? html`<span class="badge red">revoked</span>` : html`<button class="btn btn-sm btn-danger" type="button" @click=${() => this.revoke(k)} aria-label="Revoke ${k.name}">Revoke</button>`}</td></tr>`)
                : loadingRows(3, 7)}</tbody></table></div>
            ${loadMoreButton(this.list)}`}
      </section>
      <dialog aria-labelledby="revoke-title"><form method="dialog" class="stack">
        <h2 id="revoke-title">Revoke ${this.revoking?.name ?? 'this key'}?</h2>
        <p class="muted">Programs using <span class="mono">${this.revoking?.preview ?? ''}</span> are refused from their next request.</p>
        <div class="row end"><button class="btn" value="no">Cancel</button><button class="btn danger" value="yes">Revoke key</button></div>
      </form></dialog>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    sectionStyles,
    css`
      .created { border-color: var(--accent); display: flex; flex-direction: column; gap: var(--space-3); }
      .key { display: flex; gap: var(--space-2); align-items: center; background: var(--bg-subtle); border: 1px solid var(--border); border-radius: var(--radius); padding: var(--space-3); }
      .key code { flex: 1; word-break: break-all; }
      tr.revoked td { color: var(--text-faint); }
      .formerr { margin-top: var(--space-3); }
      .error { color: var(--red); font-size: var(--text-xs); }
    `,
  ];
}

customElements.define('app-keys', KeysSection);
