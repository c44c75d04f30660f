// Dashboard › Members (/app/members): who belongs to the organization with which role; admins add
// members, change roles and remove them (the API keeps the last owner and who may grant owner).
import { html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadingRows, loadMoreButton, messageOf, statesStyles, toast } from '../../components/ui';
import { formatDate } from '../../lib/format';
import { PagedList } from '../../lib/paged-list';
import { api, session } from '../../lib/session';
import type { Member, Role } from '../../lib/types';
import { confirmDialog, sectionStyles } from './section-styles';

const ROLES: Role[] = ['viewer', 'member', 'admin', 'owner'];

export class MembersSection extends LitElement {
  static override properties = { adding: { state: true }, removing: { state: true } };
  declare adding: boolean;
  declare removing: Member | null;

  private readonly list = new PagedList<Member>(this, api, '/v1/members', () => ({ limit: 50 }));

  constructor() {
    super();
    this.adding = false;
    this.removing = null;
  }

  private async add(e: SubmitEvent) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const password = String(data.get('password') ?? '');
    this.adding = true;
    try {
      await api.post('/v1/members', { email: String(data.get('email') ?? '').trim(), role: String(data.get('role')), ...(password ? { password } : {}) });
      form.reset();
      toast('Member added', 'ok');
      await this.list.refresh();
    } catch (err) {
      toast(messageOf(err), 'error');
    } finally {
      this.adding = false;
    }
  }

  private async changeRole(m: Member, role: string) {
    try {
      await api.patch(`/v1/members/${m.id}`, { role });
      toast(`${m.email} is now ${role}`, 'ok');
      if (m.id === session.me?.user?.id) await session.reloadMe();
      await this.list.refresh();
    } catch (err) {
      toast(messageOf(err), 'error');
      await this.list.refresh();
    }
  }

  private async removeMember(m: Member) {
    this.removing = m;
    await this.updateComplete;
    if (!(await confirmDialog(this.renderRoot))) return;
    try {
      await api.delete(`/v1/members/${m.id}`);
      toast(`Removed ${m.email}`, 'ok');
      await this.list.refresh();
    } catch (err) {
      toast(messageOf(err), 'error');
    }
  }

  override render() {
    const admin = session.can('admin');
    const grantable = ROLES.filter((r) => r !== 'owner' || session.can('owner'));
    return html`<div class="section">
      ${admin
        ? html`<section class="card card-pad"><form class="inline" @submit=${this.add} aria-label="Add a member">
            <label class="field">Email<input name="email" type="email" required autocomplete="off" placeholder="teammate@company.com" /></label>
            <label class="field">Role<select name="role">${grantable.map((r) => html`<option value=${r} ?selected=${r === 'member'}>${r}</option>`)}</select></label>
            <label class="field">Password for a new account<input name="password" type="password" minlength="12" autocomplete="new-password" placeholder="only if they have no account" /></label>
            <button class="btn btn-primary" type="submit" ?disabled=${this.adding}>${this.adding ? 'Adding…' : 'Add member'}</button>
          </form></section>`
        : nothing}
      ${this.list.error ? errorState(this.list.error, () => void this.list.retry()) : nothing}
      <section class="card">
        ${this.list.rows && this.list.rows.length === 0
          ? emptyState('No members', 'Add someone by email.')
          : html`<div class="table-wrap"><table class="data">
              <thead><tr><th>Email</th><th>Role</th><th>Joined</th><th><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>${this.list.rows
                ? this.list.rows.map((m) => html`<tr data-member=${m.id}><td>${m.email}${m.id === session.me?.user?.id ? html` <span class="badge plain">you</span>` : nothing}</td>
                    <td>${admin
                      ? html`<select aria-label="Role of ${m.email}" @change=${(e: Event) => this.changeRole(m, (e.target as HTMLSelectElement).value)}>
                          ${ROLES.map((r) => html`<option value=${r} ?selected=${m.role === r} ?disabled=${r === 'owner' && !session.can('owner')}>${r}</option>`)}</select>`
                      : m.role}</td>
                    <td class="muted num">${formatDate(m.createdAt)}</td>
                    <td class="r">${admin ? html`<button class="btn btn-sm btn-danger" type="button" @click=${() => this.removeMember(m)} aria-label="Remove ${m.email}">Remove</button>` : nothing}</td></tr>`)
                : loadingRows(3, 4)}</tbody></table></div>
            ${loadMoreButton(this.list)}`}
      </section>
      <dialog aria-labelledby="remove-title"><form method="dialog" class="stack">
        <h2 id="remove-title">Remove ${this.removing?.email ?? 'this member'}?</h2>
        <p class="muted">They lose access to this organization at once; their account stays.</p>
        <div class="row end"><button class="btn" value="no">Cancel</button><button class="btn danger" value="yes">Remove</button></div>
      </form></dialog>
    </div>`;
  }

  static override styles = [base, statesStyles, sectionStyles];
}

customElements.define('app-members', MembersSection);
