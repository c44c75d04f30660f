// `<app-usage-chart>`: this month's GPU usage per UTC day as bars (GET /v1/billing/usage?groupBy=day,
// read through the shared cache so the overview and billing pages ask once), with the month's total.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { errorState, statesStyles } from '../../components/ui';
import { dailyUsage } from '../../lib/chart-data';
import { formatCost } from '../../lib/format';
import { cachedGet } from '../../lib/session';
import type { Usage } from '../../lib/types';
import type { ChartSpec } from '../../components/chart';

export class UsageChart extends LitElement {
  static override properties = { usage: { state: true }, error: { state: true }, chartReady: { state: true } };
  declare usage: Usage | null;
  declare error: unknown;
  declare chartReady: boolean;

  constructor() {
    super();
    this.usage = null;
    this.error = null;
    this.chartReady = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void import('../../components/chart').then(() => (this.chartReady = true));
    void this.load();
  }

  private async load() {
    this.error = null;
    try {
      this.usage = await cachedGet<Usage>('/v1/billing/usage', { groupBy: 'day' });
    } catch (err) {
      this.error = err;
    }
  }

  override render() {
    if (this.error) return errorState(this.error, () => void this.load());
    const u = this.usage;
    if (!u || !this.chartReady) return html`<div class="skeleton chart-sk" aria-label="Loading usage"></div>`;
    const month = new Date(u.from).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
    const spec: ChartSpec = { columns: dailyUsage(u, Date.now()), series: [{ label: 'Charged', tone: 'accent', kind: 'bar' }], y: 'usd', x: 'day', height: 200 };
    return html`<div class="head">
        <div><span class="label">GPU usage · ${month}</span><div class="stat num" data-testid="usage-total">${formatCost(u.totals.totalUsd)}</div></div>
        <span class="faint small">${u.totals.charges ? `${u.totals.charges} charges, margin included` : 'Charged per second while deployments run'}</span>
      </div>
      ${u.totals.totalUsd === 0
        ? html`<div class="none"><span class="muted">No GPU time charged this month yet.</span></div>`
        : html`<gpb-chart .spec=${spec} label="GPU usage charged per day in ${month}, total ${formatCost(u.totals.totalUsd)}"></gpb-chart>`}
      ${nothing}`;
  }

  static override styles = [
    base,
    statesStyles,
    css`
      .head { display: flex; justify-content: space-between; align-items: flex-end; gap: var(--space-3); flex-wrap: wrap; margin-bottom: var(--space-3); }
      .small { font-size: var(--text-xs); }
      .chart-sk { height: 260px; }
      .none { height: 200px; display: grid; place-items: center; border: 1px dashed var(--border-strong); border-radius: var(--radius); background: var(--bg-subtle); font-size: var(--text-sm); }
    `,
  ];
}

customElements.define('app-usage-chart', UsageChart);
