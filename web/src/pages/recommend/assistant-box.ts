// `<gpb-assistant>`: the assistant as a chat (POST /v1/assistant). Signed-in users keep one
// conversation, so a follow-up ("and in the US?") refines the last request; each answer shows what was
// understood as chips, the reply, and its data: offers, a price trend, or recommendations (which it
// also hands to the page's results with a `gpb-recommendations` event).
import { css, html, LitElement, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { base } from '../../components/styles';
import { availabilityBadge, messageOf, statesStyles } from '../../components/ui';
import { INTENT_LABELS, interpretationChips } from '../../lib/assistant';
import { newIdempotencyKey } from '../../lib/api';
import { formatChangePercent, formatPrice, pricingLabel } from '../../lib/format';
import { api, session } from '../../lib/session';
import type { AssistantAnswer, Offer, TrendSeries } from '../../lib/types';
import { paintScores, recommendationCard, resultStyles } from './result-list';

const EXAMPLES = ['cheapest 8x H100 in Europe under $25/h', 'fine-tune a 70B model with LoRA for about 10 hours, budget $300', 'what is the spot price trend for A100 this week?'];

interface Turn {
  id: number;
  message: string;
  answer: AssistantAnswer | null;
  error: string | null;
}

export class AssistantBox extends LitElement {
  static override properties = { turns: { state: true }, busy: { state: true }, draft: { state: true } };
  declare turns: Turn[];
  declare busy: boolean;
  declare draft: string;

  private conversationId: string | null = null;
  private nextId = 1;

  constructor() {
    super();
    this.turns = [];
    this.busy = false;
    this.draft = '';
  }

  private async ask(message: string) {
    const text = message.trim();
    if (!text || this.busy) return;
    const turn: Turn = { id: this.nextId++, message: text, answer: null, error: null };
    this.turns = [...this.turns, turn];
    this.draft = '';
    this.busy = true;
    await this.scrollToEnd();
    try {
      const body = { message: text, ...(this.conversationId ? { conversationId: this.conversationId } : {}) };
      // Anonymous visitors ask one-off questions; a tenant's conversation refines its last request.
      const answer = await api.post<AssistantAnswer>('/v1/assistant', body, { idempotencyKey: newIdempotencyKey(), auth: session.state === 'signed-in' ? 'auto' : 'none' });
      this.conversationId = answer.conversationId;
      this.turns = this.turns.map((t) => (t.id === turn.id ? { ...t, answer } : t));
      if (answer.data?.kind === 'recommendations') {
        this.dispatchEvent(new CustomEvent('gpb-recommendations', { detail: answer.data.recommendations, bubbles: true, composed: true }));
      }
    } catch (err) {
      this.turns = this.turns.map((t) => (t.id === turn.id ? { ...t, error: messageOf(err) } : t));
    } finally {
      this.busy = false;
      await this.scrollToEnd();
      this.renderRoot.querySelector<HTMLInputElement>('input[name="message"]')?.focus();
    }
  }

  private async scrollToEnd() {
    await this.updateComplete;
    const log = this.renderRoot.querySelector<HTMLElement>('.log');
    if (log) log.scrollTop = log.scrollHeight;
    paintScores(this.renderRoot);
  }

  private restart() {
    this.conversationId = null;
    this.turns = [];
  }

  private renderOffers(offers: Offer[]) {
    return html`<div class="table-wrap"><table class="data offers">
      <tbody>${offers.map((o) => html`<tr data-offer=${o.id}>
        <td><strong>${o.gpuCount}× ${o.gpuModel}</strong><div class="faint tiny">${o.provider} · ${o.region}${o.country ? ` (${o.country})` : ''} · ${pricingLabel(o.pricing)}</div></td>
        <td class="hide-sm">${availabilityBadge(o.availability)}</td>
        <td class="r num"><strong>${formatPrice(o.pricePerHourUsd)}</strong>/h<div class="faint tiny">${formatPrice(o.pricePerGpuHourUsd)}/GPU·h</div></td>
        <td class="r"><a class="btn btn-sm" href="/deploy/${o.id}">Deploy</a></td></tr>`)}</tbody></table></div>`;
  }

  private renderTrend(series: TrendSeries[]) {
    return html`<ul class="trend">${series.map((s) => html`<li>
      <strong>${s.model}</strong>
      ${s.summary
        ? html`<span class="num">${formatPrice(s.summary.lastMedianUsd)}/GPU·h</span>
            <span class="chg ${s.summary.changePct > 0 ? 'up' : s.summary.changePct < 0 ? 'down' : ''} num">${formatChangePercent(s.summary.changePct)}</span>
            <span class="faint tiny">low ${formatPrice(s.summary.lowUsd)} · high ${formatPrice(s.summary.highUsd)}</span>`
        : html`<span class="faint">no history yet</span>`}
      ${s.forecast?.points.length
        ? html`<span class="tiny fc">estimate in ${s.forecast.horizonHours} h: ${formatPrice(s.forecast.points[s.forecast.points.length - 1]!.pricePerGpuHourUsd)}${s.forecast.backtestMapePercent !== null ? ` (back-test error ${s.forecast.backtestMapePercent.toFixed(1)}%)` : ''}</span>`
        : s.forecast?.reason ? html`<span class="faint tiny">no forecast: ${s.forecast.reason}</span>` : nothing}
      <a class="tiny" href="/gpus/${encodeURIComponent(s.model)}">chart →</a>
    </li>`)}</ul>`;
  }

  private renderAnswer(a: AssistantAnswer) {
    const chips = interpretationChips(a.interpretation);
    const d = a.data;
    return html`<div class="meta">
        <span class="badge ${a.interpretation.intent === 'help' ? 'amber' : 'accent'} plain">${INTENT_LABELS[a.interpretation.intent]}</span>
        ${a.interpretation.refined ? html`<span class="badge plain">refined</span>` : nothing}
        ${chips.map((c) => html`<span class="chip" data-chip>${c}</span>`)}
      </div>
      <p class="reply" data-testid="reply">${a.reply}</p>
      ${a.interpretation.unparsed.length ? html`<p class="faint tiny">Not understood: ${a.interpretation.unparsed.map((u) => `“${u}”`).join(', ')}</p>` : nothing}
      ${d?.kind === 'offers' && d.offers.length ? this.renderOffers(d.offers) : nothing}
      ${d?.kind === 'offers' && !d.offers.length && d.relaxed?.offers.length
        ? html`<p class="tiny muted">Without the ${d.relaxed.dropped} limit:</p>${this.renderOffers(d.relaxed.offers)}`
        : nothing}
      ${d?.kind === 'trend' ? this.renderTrend(d.trend.series) : nothing}
      ${d?.kind === 'recommendations' && d.recommendations.data.length
        ? html`<div class="recs">${d.recommendations.data.slice(0, 2).map((r) => recommendationCard(r, { compact: true }))}</div>
            ${d.recommendations.data.length > 2 ? html`<p class="tiny muted">All ${d.recommendations.data.length} are in the results below.</p>` : nothing}`
        : nothing}`;
  }

  override render() {
    const signedIn = session.state === 'signed-in';
    return html`<section class="card box" aria-labelledby="assistant-title">
      <div class="card-head">
        <div><h2 id="assistant-title">Ask the assistant</h2>
          <span class="faint small">Plain English: a GPU search, a job to size, or where prices are going. ${signedIn ? 'Follow-ups refine your last question.' : 'Sign in to ask follow-ups.'}</span></div>
        ${this.turns.length ? html`<button class="btn btn-sm btn-ghost" type="button" @click=${this.restart}>New conversation</button>` : nothing}
      </div>
      <div class="log" role="log" aria-live="polite" aria-label="Conversation">
        ${this.turns.length === 0
          ? html`<div class="examples"><span class="muted small">Try</span>${EXAMPLES.map((e) => html`<button type="button" class="example" @click=${() => void this.ask(e)}>${e}</button>`)}</div>`
          : repeat(this.turns, (t) => t.id, (t) => html`<div class="turn" data-turn=${t.id}>
              <div class="q"><span>${t.message}</span></div>
              <div class="a">${t.answer ? this.renderAnswer(t.answer) : t.error ? html`<div class="notice error" role="alert">${t.error}</div>` : html`<span class="typing" aria-label="Thinking"><span></span><span></span><span></span></span>`}</div>
            </div>`)}
      </div>
      <form class="ask" @submit=${(e: Event) => { e.preventDefault(); void this.ask(this.draft); }}>
        <label class="sr-only" for="message">Message to the assistant</label>
        <input id="message" name="message" autocomplete="off" maxlength="2000" placeholder=${this.turns.length ? 'Ask a follow-up, e.g. “and in the US?”' : 'e.g. serve Llama 3 70B in fp16 with 32k context'}
          .value=${this.draft} @input=${(e: Event) => (this.draft = (e.target as HTMLInputElement).value)} ?disabled=${this.busy} />
        <button class="btn btn-primary" type="submit" ?disabled=${this.busy || !this.draft.trim()}>${this.busy ? 'Asking…' : 'Ask'}</button>
      </form>
    </section>`;
  }

  static override styles = [
    base,
    statesStyles,
    resultStyles,
    css`
      .box { display: flex; flex-direction: column; }
      .small { font-size: var(--text-xs); }
      .log { max-height: 460px; overflow-y: auto; padding: var(--space-4) var(--space-5); display: flex; flex-direction: column; gap: var(--space-5); }
      @media (max-width: 640px) { .log { padding: var(--space-3) var(--space-4); } }
      .examples { display: flex; gap: var(--space-2); flex-wrap: wrap; align-items: center; }
      .example { font: inherit; font-size: var(--text-xs); padding: 5px 10px; border-radius: 999px; border: 1px solid var(--border-strong); background: var(--bg-subtle); color: var(--text); cursor: pointer; }
      .example:hover { border-color: var(--accent); color: var(--accent); }
      .turn { display: flex; flex-direction: column; gap: var(--space-3); }
      .q { display: flex; justify-content: flex-end; }
      .q span { background: var(--accent); color: var(--accent-text); padding: 8px 12px; border-radius: 12px 12px 2px 12px; font-size: var(--text-sm); max-width: min(560px, 85%); }
      .a { display: flex; flex-direction: column; gap: var(--space-2); max-width: 100%; }
      .meta { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
      .chip { font-size: var(--text-xs); padding: 2px 8px; border-radius: 999px; background: var(--bg-muted); color: var(--text); border: 1px solid var(--border); }
      .reply { font-size: var(--text-sm); line-height: 1.6; margin: 0; max-width: 80ch; }
      .offers td { height: 48px; }
      .recs { display: flex; flex-direction: column; gap: var(--space-2); }
      .trend { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; font-size: var(--text-sm); }
      .trend li { display: flex; gap: var(--space-3); align-items: baseline; flex-wrap: wrap; padding: 8px 12px; border: 1px solid var(--border); border-radius: var(--radius); }
      .chg.up { color: var(--red); }
      .chg.down { color: var(--green); }
      .fc { color: var(--amber); }
      .ask { display: flex; gap: var(--space-2); padding: var(--space-3) var(--space-5) var(--space-4); border-top: 1px solid var(--border); }
      @media (max-width: 640px) { .ask { padding: var(--space-3) var(--space-4); } }
      .ask input { flex: 1; height: 38px; }
      .ask .btn { height: 38px; }
      .typing { display: inline-flex; gap: 4px; padding: 10px 0; }
      .typing span { width: 6px; height: 6px; border-radius: 50%; background: var(--text-faint); animation: blink 1.2s infinite ease-in-out; }
      .typing span:nth-child(2) { animation-delay: 0.15s; }
      .typing span:nth-child(3) { animation-delay: 0.3s; }
      @keyframes blink { 0%, 80%, 100% { opacity: 0.25; } 40% { opacity: 1; } }
      @media (max-width: 640px) { .hide-sm { display: none; } }
    `,
  ];
}

customElements.define('gpb-assistant', AssistantBox);
