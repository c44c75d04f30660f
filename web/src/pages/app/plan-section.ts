// Dashboard › Plan (/app/plan): the organization's plan and its limits next to the others, read-only
// (changing plans comes with billing).
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { errorState, statesStyles } from '../../components/ui';
import { formatInt } from '../../lib/format';
import { api, session } from '../../lib/session';
import type { Plan } from '../../lib/types';
import { sectionStyles } from './section-styles';

export class PlanSection extends LitElement {
  static override properties = { plans: { state: true }, error: { state: true } };
  declare plans: Plan[] | null;
  declare error: unknown;

  constructor() {
    super();
    this.plans = null;
    this.error = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    this.error = null;
    try {
      this.plans = (await api.get<{ data: Plan[] }>('/v1/plans')).data;
    } catch (err) {
      this.error = err;
    }
  }

  override render() {
    if (this.error) return errorState(this.error, () => void this.load());
    if (!this.plans) return html`<div class="skeleton sk"></div>`;
    const current = session.me?.tenant.plan;
    const fee = (p: Plan) => (p.monthlyFeeUsd === null ? 'Custom' : p.monthlyFeeUsd === 0 ? 'Free' : `$${formatInt(p.monthlyFeeUsd)} / month`);
    const mine = this.plans.find((p) => p.id === current);
    return html`<div class="section">
      ${mine
        ? html`<section class="card card-pad current">
            <div><span class="label">Current plan</span><div class="stat" data-testid="plan-name">${mine.name}</div><span class="muted">${fee(mine)}</span></div>
            <dl>
              <div><dt>API requests</dt><dd class="num">${formatInt(mine.requestsPerMinute)} / min</dd></div>
              <div><dt>Concurrent deployments</dt><dd class="num">${mine.concurrentDeployments ?? 'unlimited'}</dd></div>
              <div><dt>Live connections</dt><dd class="num">${formatInt(mine.liveConnections)}</dd></div>
            </dl>
          </section>`
        : nothing}
      <section class="card">
        <div class="card-head"><h2>All plans</h2><span class="faint small">Plan changes are made by GPUBroker for now.</span></div>
        <div class="table-wrap"><table class="data">
          <thead><tr><th>Plan</th><th>Price</th><th class="r">Requests / min</th><th class="r">Concurrent deployments</th><th class="r">Live connections</th></tr></thead>
          <tbody>${this.plans.map((p) => html`<tr class=${p.id === current ? 'mine' : ''}><td>${p.name}${p.id === current ? html` <span class="badge accent plain">current</span>` : nothing}</td>
            <td>${fee(p)}</td><td class="r num">${formatInt(p.requestsPerMinute)}</td><td class="r num">${p.concurrentDeployments ?? 'unlimited'}</td><td class="r num">${formatInt(p.liveConnections)}</td></tr>`)}</tbody>
        </table></div>
      </section>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    sectionStyles,
    css`
      .current { display: flex; gap: var(--space-6); flex-wrap: wrap; align-items: center; }
      .current dl { display: flex; gap: var(--space-6); margin: 0; flex-wrap: wrap; }
      .current dt { font-size: var(--text-xs); color: var(--text-muted); }
      .current dd { margin: 0; font-weight: 600; }
      tr.mine td { background: var(--accent-soft); }
    `,
  ];
}

customElements.define('app-plan', PlanSection);
