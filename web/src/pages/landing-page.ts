// Landing (/): what GPUBroker does, a live ticker of the cheapest price per popular GPU model (the
// live socket: one subscription per model, each a snapshot of its cheapest offers plus changes),
// and the plans from GET /v1/plans.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../components/styles';
import { errorState, statesStyles } from '../components/ui';
import { formatInt, formatPrice, priceDirection, pricingLabel } from '../lib/format';
import { LiveConnection, type LiveStatus } from '../lib/live';
import { applyToOfferSet, cheapestByModel } from '../lib/offers-table';
import { api, session } from '../lib/session';
import type { LiveMessage, Offer, Plan } from '../lib/types';

export const TICKER_MODELS = ['H100-80GB', 'H200', 'B200', 'A100-80GB', 'L40S', 'RTX-4090', 'MI300X', 'A6000'];

interface Tick {
  offer: Offer | null;
  dir: -1 | 0 | 1;
  at: number;
}

export class LandingPage extends LitElement {
  static override properties = { ticks: { state: true }, status: { state: true }, plans: { state: true }, plansError: { state: true }, anonymousLimit: { state: true } };
  declare ticks: Map<string, Tick> | null;
  declare status: LiveStatus;
  declare plans: Plan[] | null;
  declare plansError: unknown;
  declare anonymousLimit: number | null;

  private live: LiveConnection | null = null;
  private sets = new Map<string, Map<string, Offer>>();

  constructor() {
    super();
    this.ticks = null;
    this.status = 'connecting';
    this.plans = null;
    this.plansError = null;
    this.anonymousLimit = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.live = new LiveConnection({
      channels: TICKER_MODELS.map((m) => `gpu:${m}`),
      onMessage: (m) => this.onLive(m),
      onStatus: (s) => (this.status = s),
    }).start();
    void this.loadPlans();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.live?.stop();
  }

  private async loadPlans() {
    this.plansError = null;
    try {
      const r = await api.get<{ data: Plan[]; anonymous: { requestsPerMinute: number } }>('/v1/plans', { auth: 'none' });
      this.plans = r.data;
      this.anonymousLimit = r.anonymous.requestsPerMinute;
    } catch (err) {
      this.plansError = err;
    }
  }

  private onLive(m: LiveMessage) {
    if (m.type === 'snapshot') {
      this.sets.set(m.channel, new Map(m.offers.map((o) => [o.id, o])));
    } else if (m.type === 'update') {
      const set = this.sets.get(m.channel) ?? new Map<string, Offer>();
      applyToOfferSet(set, m.changes);
      this.sets.set(m.channel, set);
    } else return;
    this.recompute();
  }

  private recompute() {
    const now = Date.now();
    const next = new Map<string, Tick>();
    for (const model of TICKER_MODELS) {
      const set = this.sets.get(`gpu:${model}`);
      const previous = this.ticks?.get(model);
      if (!set) {
        if (previous) next.set(model, previous);
        continue;
      }
      const best = cheapestByModel(set.values()).get(model) ?? null;
      const dir = previous?.offer && best ? priceDirection(previous.offer.pricePerGpuHourUsd, best.pricePerGpuHourUsd) : 0;
      next.set(model, dir !== 0 ? { offer: best, dir, at: now } : { offer: best, dir: previous?.dir ?? 0, at: previous?.at ?? 0 });
    }
    this.ticks = next;
  }

  override updated() {
    const now = Date.now();
    for (const el of this.renderRoot.querySelectorAll<HTMLElement>('[data-flash-at]')) {
      const at = Number(el.dataset.flashAt);
      if (at > 0 && now - at < 300 && el.dataset.flashed !== String(at)) {
        el.dataset.flashed = String(at);
        el.animate([{ backgroundColor: el.dataset.dir === '1' ? 'var(--flash-up)' : 'var(--flash-down)' }, { backgroundColor: 'transparent' }], { duration: 1800, easing: 'ease-out' });
      }
    }
  }

  private renderTicker() {
    return html`<div class="ticker" role="list" aria-label="Cheapest price per GPU-hour, live">
      ${TICKER_MODELS.map((model) => {
        const t = this.ticks?.get(model);
        const o = t?.offer ?? null;
        return html`<a role="listitem" class="tick card" href="/gpus/${encodeURIComponent(model)}" data-model=${model}
            data-flash-at=${t?.at ?? 0} data-dir=${t?.dir ?? 0}>
          <span class="tick-model">${model}</span>
          ${t === undefined
            ? html`<span class="skeleton tick-sk"></span><span class="skeleton tick-sk2"></span>`
            : o
              ? html`<span class="tick-price num" data-price>${formatPrice(o.pricePerGpuHourUsd)}<small>/GPU·h</small>
                    ${t.dir !== 0 ? html`<span class="dir ${t.dir > 0 ? 'up' : 'down'}" aria-label=${t.dir > 0 ? 'went up' : 'went down'}>${t.dir > 0 ? '▲' : '▼'}</span>` : nothing}</span>
                  <span class="tick-meta faint">${o.provider} · ${o.region} · ${pricingLabel(o.pricing)}</span>`
              : html`<span class="tick-price faint">—</span><span class="tick-meta faint">No listed offers</span>`}
        </a>`;
      })}
    </div>`;
  }

  private renderPlans() {
    if (this.plansError) return errorState(this.plansError, () => void this.loadPlans());
    if (!this.plans) return html`<div class="plans">${[0, 1, 2, 3, 4].map(() => html`<div class="card plan"><div class="skeleton plan-sk"></div></div>`)}</div>`;
    const cta = session.state === 'signed-in' ? html`<a class="btn" href="/app/plan">See your plan</a>` : html`<a class="btn" href="/signup">Start on Free</a>`;
    return html`<div class="plans">
        ${this.plans.map(
          (p) => html`<div class="card plan ${p.id === 'pro' ? 'featured' : ''}" data-plan=${p.id}>
            <div class="plan-head"><h3>${p.name}</h3>${p.id === 'pro' ? html`<span class="badge accent plain">Popular</span>` : nothing}</div>
            <div class="plan-price num">${p.monthlyFeeUsd === null ? 'Custom' : p.monthlyFeeUsd === 0 ? '$0' : `$${formatInt(p.monthlyFeeUsd)}`}<small>${p.monthlyFeeUsd === null ? '' : ' / month'}</small></div>
            <ul>
              <li><strong class="num">${formatInt(p.requestsPerMinute)}</strong> API requests / min</li>
              <li><strong class="num">${p.concurrentDeployments === null ? 'Unlimited' : p.concurrentDeployments}</strong> concurrent ${p.concurrentDeployments === 1 ? 'deployment' : 'deployments'}</li>
              <li><strong class="num">${formatInt(p.liveConnections)}</strong> live price connections</li>
            </ul>
          </div>`,
        )}
      </div>
      <div class="plans-foot"><span class="muted">Every account starts on Free. Without an account the API allows ${this.anonymousLimit ?? '—'} requests a minute per address.</span>${cta}</div>`;
  }

  override render() {
    const signedIn = session.state === 'signed-in';
    return html`
      <section class="hero">
        <div class="hero-inner">
          <span class="badge accent eyebrow"><span class="live-dot ${this.status}"></span>${this.status === 'live' ? 'Live prices' : this.status === 'connecting' ? 'Connecting…' : 'Reconnecting…'}</span>
          <h1>The live GPU market,<br />across every cloud.</h1>
          <p class="lede">GPUBroker pulls GPU offers from RunPod, Vast.ai, Lambda, DataCrunch, TensorDock and Shadeform every minute, normalizes them into one market, and deploys your pod on the offer you pick: at the price you saw.</p>
          <div class="row cta">
            <a class="btn btn-primary btn-lg" href="/market">Browse the market</a>
            ${signedIn ? html`<a class="btn btn-lg" href="/app">Open dashboard</a>` : html`<a class="btn btn-lg" href="/signup">Create a free account</a>`}
          </div>
        </div>
      </section>
      <section class="page ticker-wrap" aria-labelledby="ticker-title">
        <div class="section-head"><h2 id="ticker-title">Cheapest right now</h2><span class="faint">per GPU-hour, all providers, updated live</span></div>
        ${this.renderTicker()}
      </section>
      <section class="page features">
        <div class="feature"><h3>One normalized market</h3><p class="muted">Every offer in one schema: canonical GPU names, price per hour and per GPU-hour, region, pricing type and availability. Filter by anything, sort by what matters.</p></div>
        <div class="feature"><h3>Fresh, and says how fresh</h3><p class="muted">Each price carries its age. Prices stream to your browser or code over a WebSocket the moment an ingestion changes them.</p></div>
        <div class="feature"><h3>Deploy and watch</h3><p class="muted">Lock the quoted price, set a spend or time limit, fail over to the next best offer when a cloud runs out of capacity, and follow the pod from pending to running.</p></div>
      </section>
      <section class="page api">
        <div class="api-copy">
          <h2>The same API, from your code</h2>
          <p class="muted">Everything this site does goes through the public API. Search offers, subscribe to live prices, deploy and stop pods with an API key.</p>
          <a href="/docs" rel="external">Read the API reference →</a>
        </div>
        <pre class="code card" aria-label="Example request"><code>curl "$GPUBROKER/v1/offers?gpu=H100&amp;minGpuCount=8\\
  &amp;maxPricePerGpuHour=3&amp;sort=pricePerGpuHour" \\
  -H "Authorization: Bearer $GPUBROKER_KEY"</code></pre>
      </section>
      <section class="page" aria-labelledby="plans-title">
        <div class="section-head"><h2 id="plans-title">Plans</h2><span class="faint">Limits per organization</span></div>
        ${this.renderPlans()}
      </section>
    `;
  }

  static override styles = [
    base,
    statesStyles,
    css`
      .hero { border-bottom: 1px solid var(--border); background: radial-gradient(1200px 400px at 50% -10%, var(--accent-soft), transparent 70%); }
      .hero-inner { max-width: var(--page-max); margin: 0 auto; padding: var(--space-8) var(--space-5) var(--space-7); }
      .hero h1 { font-size: var(--text-3xl); letter-spacing: -0.035em; line-height: 1.05; margin: var(--space-4) 0; font-weight: 700; }
      .lede { font-size: var(--text-lg); color: var(--text-muted); max-width: 62ch; line-height: 1.55; }
      .cta { margin-top: var(--space-6); gap: var(--space-3); }
      .eyebrow { height: 26px; }
      .eyebrow::before { display: none; }
      .live-dot { width: 7px; height: 7px; border-radius: 50%; background: var(--text-faint); }
      .live-dot.live { background: var(--green); box-shadow: 0 0 0 3px color-mix(in srgb, var(--green) 25%, transparent); }
      .section-head { display: flex; align-items: baseline; gap: var(--space-3); margin-bottom: var(--space-4); flex-wrap: wrap; }
      .page { padding-top: var(--space-7); padding-bottom: 0; }
      .ticker { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: var(--space-3); }
      @media (max-width: 960px) { .ticker { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
      .tick { display: flex; flex-direction: column; gap: 4px; padding: var(--space-4); color: var(--text); min-height: 104px; transition: border-color 120ms; }
      .tick:hover { border-color: var(--border-strong); text-decoration: none; }
      .tick-model { font-size: var(--text-sm); font-weight: 600; }
      .tick-price { font-size: 1.4rem; font-weight: 650; letter-spacing: -0.02em; display: flex; align-items: baseline; gap: 4px; }
      .tick-price small { font-size: var(--text-xs); font-weight: 500; color: var(--text-muted); letter-spacing: 0; }
      .tick-meta { font-size: var(--text-xs); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
      .tick-sk { height: 24px; width: 60%; margin-top: 4px; }
      .tick-sk2 { height: 10px; width: 80%; margin-top: 6px; }
      .dir { font-size: 10px; }
      .dir.up { color: var(--red); }
      .dir.down { color: var(--green); }
      .features { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: var(--space-6); }
      @media (max-width: 860px) { .features { grid-template-columns: minmax(0, 1fr); gap: var(--space-5); } }
      .feature h3 { margin-bottom: var(--space-2); }
      .feature p { font-size: var(--text-sm); line-height: 1.6; }
      .api { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: var(--space-6); align-items: center; }
      @media (max-width: 860px) { .api { grid-template-columns: minmax(0, 1fr); } }
      .api-copy p { margin: var(--space-2) 0 var(--space-3); font-size: var(--text-sm); }
      .code { margin: 0; padding: var(--space-5); background: var(--bg-subtle); font-family: var(--font-mono); font-size: var(--text-xs); line-height: 1.7; overflow-x: auto; }
      .plans { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: var(--space-3); }
      @media (max-width: 1100px) { .plans { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
      @media (max-width: 640px) { .plans { grid-template-columns: minmax(0, 1fr); } }
      .plan { padding: var(--space-5); display: flex; flex-direction: column; gap: var(--space-3); min-height: 200px; }
      .plan.featured { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }
      .plan-head { display: flex; align-items: center; justify-content: space-between; }
      .plan-price { font-size: var(--text-xl); font-weight: 650; letter-spacing: -0.02em; }
      .plan-price small { font-size: var(--text-sm); color: var(--text-muted); font-weight: 500; }
      .plan ul { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 6px; font-size: var(--text-sm); color: var(--text-muted); }
      .plan strong { color: var(--text); font-weight: 600; }
      .plan-sk { height: 120px; }
      .plans-foot { display: flex; justify-content: space-between; align-items: center; gap: var(--space-4); margin-top: var(--space-4); flex-wrap: wrap; font-size: var(--text-sm); }
      :host { padding-bottom: var(--space-8); }
    `,
  ];
}

customElements.define('landing-page', LandingPage);
