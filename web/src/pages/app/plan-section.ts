// Dashboard › Plan (/app/plan): the current plan and its billing period (GET /v1/billing/subscription),
// every plan as a card, and, for owners, a change of plan: a dialog says the prorated charge before
// POST /v1/billing/subscription; a 402 offers to add the missing credit.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { errorState, messageOf, statesStyles, toast } from '../../components/ui';
import { ApiError, SubmissionKey } from '../../lib/api';
import { quotePlanChange, suggestTopUp, type PlanChangeQuote } from '../../lib/billing';
import { formatCost, formatDate, formatInt } from '../../lib/format';
import { api, cachedGet, reads, session } from '../../lib/session';
import type { Balance, Plan, PlanChange, Subscription } from '../../lib/types';
import { sectionStyles } from './section-styles';

const fee = (p: Plan) => (p.monthlyFeeUsd === null ? 'Custom' : p.monthlyFeeUsd === 0 ? 'Free' : `$${formatInt(p.monthlyFeeUsd)}`);

export class PlanSection extends LitElement {
  static override properties = {
    plans: { state: true },
    subscription: { state: true },
    balance: { state: true },
    error: { state: true },
    target: { state: true },
    quote: { state: true },
    busy: { state: true },
    changeError: { state: true },
  };
  declare plans: Plan[] | null;
  declare subscription: Subscription | null;
  declare balance: Balance | null;
  declare error: unknown;
  declare target: Plan | null;
  declare quote: PlanChangeQuote | null;
  declare busy: boolean;
  declare changeError: unknown;

  private readonly submission = new SubmissionKey();

  constructor() {
    super();
    this.plans = null;
    this.subscription = null;
    this.balance = null;
    this.error = null;
    this.target = null;
    this.quote = null;
    this.busy = false;
    this.changeError = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    this.error = null;
    try {
      const [plans, subscription] = await Promise.all([
        cachedGet<{ data: Plan[] }>('/v1/plans', undefined, 300_000),
        cachedGet<Subscription>('/v1/billing/subscription'),
      ]);
      this.plans = plans.data;
      this.subscription = subscription;
      if (session.can('owner')) this.balance = await cachedGet<Balance>('/v1/billing/balance').catch(() => null);
    } catch (err) {
      this.error = err;
    }
  }

  private async choose(p: Plan) {
    if (!this.subscription) return;
    this.target = p;
    this.quote = quotePlanChange(this.subscription, p, Date.now());
    this.changeError = null;
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector<HTMLDialogElement>('dialog')!;
    dialog.returnValue = '';
    dialog.showModal();
  }

  private async confirm() {
    const target = this.target!;
    // One key per chosen plan: a retry of the same change cannot charge twice.
    this.busy = true;
    this.changeError = null;
    try {
      const change = await api.post<PlanChange>('/v1/billing/subscription', { plan: target.id }, { idempotencyKey: this.submission.for(target.id) });
      this.submission.done();
      this.renderRoot.querySelector<HTMLDialogElement>('dialog')?.close();
      reads.invalidate('/v1/billing');
      await session.reloadMe();
      toast(`You are on the ${target.name} plan${change.proration.netUsd > 0 ? `; ${formatCost(change.proration.netUsd)} charged` : ''}`, 'ok');
      await this.load();
    } catch (err) {
      this.changeError = err;
    } finally {
      this.busy = false;
    }
  }

  private renderDialog() {
    const p = this.target;
    const q = this.quote;
    const b = this.balance;
    const s = this.subscription;
    const current = this.plans?.find((x) => x.id === s?.plan);
    const err = this.changeError;
    const short = err instanceof ApiError && err.status === 402;
    const days = q ? Math.ceil(q.remainingSeconds / 86_400) : 0;
    const month = q ? new Date(q.periodEnd - 1).toLocaleString('en-US', { month: 'long', timeZone: 'UTC' }) : '';
    return html`<dialog aria-labelledby="change-title" @close=${() => (this.changeError = null)}>
      ${p && q
        ? html`<div class="stack">
            <h2 id="change-title">Switch to ${p.name}?</h2>
            <dl class="quote" data-testid="quote">
              <div><dt>${p.name} for the rest of ${month} (${days} ${days === 1 ? 'day' : 'days'})</dt><dd class="num">${formatCost(q.chargeUsd)}</dd></div>
              ${q.creditUsd > 0 ? html`<div><dt>Unused ${current?.name ?? 'current plan'} this month</dt><dd class="num">−${formatCost(q.creditUsd)}</dd></div>` : nothing}
              <div class="total"><dt>${q.netUsd >= 0 ? 'Charged from your credit now' : 'Credited back now'}</dt><dd class="num" data-testid="quote-net">${formatCost(Math.abs(q.netUsd))}</dd></div>
            </dl>
            <p class="muted small">Prorated to the second. ${p.monthlyFeeUsd ? `Then ${fee(p)} on the 1st of each month, from your credit.` : 'No monthly fee from then on.'}
              The new limits (${formatInt(p.requestsPerMinute)} requests a minute, ${p.concurrentDeployments ?? 'unlimited'} concurrent deployments) apply at once.
              ${b ? html`Available credit: <strong class="num">${formatCost(b.availableUsd)}</strong>.` : nothing}</p>
            ${err
              ? html`<div class="notice error" role="alert">${short ? html`<strong>Not enough credit.</strong> ${messageOf(err)}` : messageOf(err)}</div>`
              : nothing}
            <div class="row end">
              <button class="btn" type="button" @click=${() => this.renderRoot.querySelector<HTMLDialogElement>('dialog')?.close()}>Cancel</button>
              ${short
                ? html`<a class="btn btn-primary" href="/app/billing?add=${suggestTopUp(q.netUsd - (b?.availableUsd ?? 0))}&return=/app/plan">Add credit</a>`
                : html`<button class="btn btn-primary" type="button" ?disabled=${this.busy} @click=${this.confirm}>${this.busy ? 'Switching…' : q.netUsd > 0 ? `Switch and pay ${formatCost(q.netUsd)}` : `Switch to ${p.name}`}</button>`}
            </div>
          </div>`
        : nothing}
    </dialog>`;
  }

  override render() {
    if (this.error) return errorState(this.error, () => void this.load());
    if (!this.plans || !this.subscription) return html`<div class="skeleton sk"></div>`;
    const s = this.subscription;
    const owner = session.can('owner');
    const mine = this.plans.find((p) => p.id === s.plan);
    return html`<div class="section">
      ${mine
        ? html`<section class="card card-pad current">
            <div><span class="label">Current plan</span><div class="stat" data-testid="plan-name">${mine.name}</div>
              <span class="muted">${mine.monthlyFeeUsd === null ? 'Priced per contract' : mine.monthlyFeeUsd === 0 ? 'No monthly fee' : `${fee(mine)} a month${s.renewsAt ? ` · renews ${formatDate(s.renewsAt)}` : ''}`}</span></div>
            <dl>
              <div><dt>API requests</dt><dd class="num">${formatInt(mine.requestsPerMinute)} / min</dd></div>
              <div><dt>Concurrent deployments</dt><dd class="num">${mine.concurrentDeployments ?? 'unlimited'}</dd></div>
              <div><dt>Live connections</dt><dd class="num">${formatInt(mine.liveConnections)}</dd></div>
            </dl>
          </section>`
        : nothing}
      ${owner ? nothing : html`<p class="notice">Only owners change the plan.</p>`}
      <div class="plans" role="list" aria-label="Plans">
        ${this.plans.map((p) => {
          const current = p.id === s.plan;
          return html`<article class="card plan ${current ? 'mine' : ''}" role="listitem" data-plan=${p.id}>
            <div class="plan-head"><h3>${p.name}</h3>${current ? html`<span class="badge accent plain">Current</span>` : nothing}</div>
            <div class="price num">${fee(p)}${p.monthlyFeeUsd ? html`<small> / month</small>` : nothing}</div>
            <ul>
              <li><strong class="num">${formatInt(p.requestsPerMinute)}</strong> API requests / min</li>
              <li><strong class="num">${p.concurrentDeployments ?? 'Unlimited'}</strong> concurrent ${p.concurrentDeployments === 1 ? 'deployment' : 'deployments'}</li>
              <li><strong class="num">${formatInt(p.liveConnections)}</strong> live connections</li>
            </ul>
            ${current
              ? html`<button class="btn" type="button" disabled>Your plan</button>`
              : p.id === 'enterprise' || s.plan === 'enterprise'
                ? html`<a class="btn" href="mailto:sales@gpubroker.dev">Contact sales</a>`
                : owner
                  ? html`<button class="btn ${(p.monthlyFeeUsd ?? 0) > (mine?.monthlyFeeUsd ?? 0) ? 'btn-primary' : ''}" type="button" @click=${() => this.choose(p)}>
                      ${(p.monthlyFeeUsd ?? 0) > (mine?.monthlyFeeUsd ?? 0) ? 'Upgrade' : 'Switch'} to ${p.name}</button>`
                  : nothing}
          </article>`;
        })}
      </div>
      ${this.renderDialog()}
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    sectionStyles,
    css`
      .current { display: flex; gap: var(--space-6); flex-wrap: wrap; align-items: center; justify-content: space-between; }
      .current dl { display: flex; gap: var(--space-6); margin: 0; flex-wrap: wrap; }
      .current dt { font-size: var(--text-xs); color: var(--text-muted); }
      .current dd { margin: 0; font-weight: 600; }
      .plans { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: var(--space-3); }
      @media (max-width: 1200px) { .plans { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
      @media (max-width: 640px) { .plans { grid-template-columns: minmax(0, 1fr); } }
      .plan { padding: var(--space-4); display: flex; flex-direction: column; gap: var(--space-3); }
      .plan.mine { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }
      .plan-head { display: flex; justify-content: space-between; align-items: center; min-height: 22px; }
      .price { font-size: var(--text-xl); font-weight: 650; letter-spacing: -0.02em; }
      .price small { font-size: var(--text-sm); color: var(--text-muted); font-weight: 500; letter-spacing: 0; }
      .plan ul { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 6px; font-size: var(--text-sm); color: var(--text-muted); flex: 1; }
      .plan strong { color: var(--text); font-weight: 600; }
      dialog { width: min(480px, calc(100vw - 32px)); }
      .quote { margin: 0; display: flex; flex-direction: column; gap: 8px; font-size: var(--text-sm); border: 1px solid var(--border); border-radius: var(--radius); padding: var(--space-3) var(--space-4); background: var(--bg-subtle); }
      .quote div { display: flex; justify-content: space-between; gap: var(--space-4); }
      .quote dt { color: var(--text-muted); }
      .quote dd { margin: 0; font-weight: 600; }
      .quote .total { border-top: 1px solid var(--border); padding-top: 8px; }
      .quote .total dt { color: var(--text); font-weight: 600; }
      .quote .total dd { font-size: var(--text-base); }
    `,
  ];
}

customElements.define('app-plan', PlanSection);
