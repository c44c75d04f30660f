// Dashboard › Deployments (/app/deployments): every deployment with status and spend, filtered by
// status, in cursor pages.
import { html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadingRows, statesStyles, statusBadge } from '../../components/ui';
import { formatCost, formatDateTime, formatPrice } from '../../lib/format';
import { api } from '../../lib/session';
import type { Deployment, DeploymentStatus, Page } from '../../lib/types';
import { sectionStyles } from './section-styles';

const STATUSES: DeploymentStatus[] = ['pending', 'provisioning', 'running', 'stopping', 'stopped', 'terminating', 'terminated', 'failed'];

export class DeploymentsSection extends LitElement {
  static override properties = { rows: { state: true }, cursor: { state: true }, error: { state: true }, status: { state: true }, busy: { state: true } };
  declare rows: Deployment[] | null;
  declare cursor: string | null;
  declare error: unknown;
  declare status: string;
  declare busy: boolean;

  constructor() {
    super();
    this.rows = null;
    this.cursor = null;
    this.error = null;
    this.status = '';
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
      const page = await api.page<Deployment>('/v1/deployments', { status: this.status || undefined, limit: 25 }, more ? this.cursor : null);
      this.rows = more && this.rows ? [...this.rows, ...page.data] : page.data;
      this.cursor = page.nextCursor;
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    return html`<div class="section">
      <div class="toolbar">
        <label class="inline-label">Status
          <select @change=${(e: Event) => { this.status = (e.target as HTMLSelectElement).value; this.rows = null; void this.load(false); }}>
            <option value="">All</option>${STATUSES.map((s) => html`<option value=${s} ?selected=${this.status === s}>${s}</option>`)}
          </select>
        </label>
        <a class="btn btn-primary btn-sm" href="/market">New deployment</a>
      </div>
      ${this.error ? errorState(this.error, () => void this.load(this.rows !== null)) : nothing}
      <section class="card">
        ${this.rows && this.rows.length === 0
          ? emptyState(this.status ? `No ${this.status} deployments` : 'No deployments yet', 'Deploy a pod from any offer in the market.', html`<a class="btn btn-primary" href="/market">Open the market</a>`)
          : html`<div class="table-wrap"><table class="data">
              <thead><tr><th>Name</th><th>Status</th><th>GPU</th><th>Provider · region</th><th class="r">Price</th><th class="r">Cost so far</th><th>Created</th></tr></thead>
              <tbody>${this.rows
                ? this.rows.map((d) => html`<tr data-deployment=${d.id}><td><a href="/deployments/${d.id}">${d.name}</a></td><td>${statusBadge(d.status)}</td><td>${d.gpuCount}× ${d.gpuModel}</td>
                    <td class="muted">${d.provider} · ${d.region}</td><td class="r num">${formatPrice(d.quotedPricePerHourUsd)}/h</td><td class="r num">${formatCost(d.costSoFarUsd)}</td><td class="muted num">${formatDateTime(d.createdAt)}</td></tr>`)
                : loadingRows(5, 7)}</tbody></table></div>
            ${this.cursor ? html`<div class="more"><button class="btn btn-sm" ?disabled=${this.busy} @click=${() => void this.load(true)}>${this.busy ? 'Loading…' : 'Load more'}</button></div>` : nothing}`}
      </section>
    </div>`;
  }

  static override styles = [base, statesStyles, sectionStyles];
}

customElements.define('app-deployments', DeploymentsSection);
