// Dashboard › Deployments (/app/deployments): every deployment with status and spend, filtered by
// status, in cursor pages.
import { html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadingRows, loadMoreButton, statesStyles, statusBadge } from '../../components/ui';
import { formatCost, formatDateTime, formatPrice } from '../../lib/format';
import { PagedList } from '../../lib/paged-list';
import { api } from '../../lib/session';
import type { Deployment, DeploymentStatus } from '../../lib/types';
import { sectionStyles } from './section-styles';

const STATUSES: DeploymentStatus[] = ['pending', 'provisioning', 'running', 'stopping', 'stopped', 'terminating', 'terminated', 'failed'];

export class DeploymentsSection extends LitElement {
  static override properties = { status: { state: true } };
  declare status: string;
  private readonly list = new PagedList<Deployment>(this, api, '/v1/deployments', () => ({ status: this.status || undefined, limit: 25 }));

  constructor() {
    super();
    this.status = '';
  }

  override render() {
    return html`<div class="section">
      <div class="toolbar">
        <label class="inline-label">Status
          <select @change=${(e: Event) => { this.status = (e.target as HTMLSelectElement).value; void this.list.reload(); }}>
            <option value="">All</option>${STATUSES.map((s) => html`<option value=${s} ?selected=${this.status === s}>${s}</option>`)}
          </select>
        </label>
        <a class="btn btn-primary btn-sm" href="/market">New deployment</a>
      </div>
      ${this.list.error ? errorState(this.list.error, () => void this.list.retry()) : nothing}
      <section class="card">
        ${this.list.rows && this.list.rows.length === 0
          ? emptyState(this.status ? `No ${this.status} deployments` : 'No deployments yet', 'Deploy a pod from any offer in the market.', html`<a class="btn btn-primary" href="/market">Open the market</a>`)
          : html`<div class="table-wrap"><table class="data">
              <thead><tr><th>Name</th><th>Status</th><th>GPU</th><th>Provider · region</th><th class="r">Price</th><th class="r">Cost so far</th><th>Created</th></tr></thead>
              <tbody>${this.list.rows
                ? this.list.rows.map((d) => html`<tr data-deployment=${d.id}><td><a href="/deployments/${d.id}">${d.name}</a></td><td>${statusBadge(d.status)}</td><td>${d.gpuCount}× ${d.gpuModel}</td>
                    <td class="muted">${d.provider} · ${d.region}</td><td class="r num">${formatPrice(d.quotedPricePerHourUsd)}/h</td><td class="r num">${formatCost(d.costSoFarUsd)}</td><td class="muted num">${formatDateTime(d.createdAt)}</td></tr>`)
                : loadingRows(5, 7)}</tbody></table></div>
            ${loadMoreButton(this.list)}`}
      </section>
    </div>`;
  }

  static override styles = [base, statesStyles, sectionStyles];
}

customElements.define('app-deployments', DeploymentsSection);
