// `<admin-webhooks>`: stored payment webhook deliveries (GET /v1/admin/webhooks), failed ones first in
// mind, each retried from its stored copy with one click (POST /v1/admin/webhooks/{id}/retry).
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { emptyState, errorState, loadMoreButton, messageOf, statesStyles, toast } from '../../components/ui';
import { formatDateTime } from '../../lib/format';
import { PagedList } from '../../lib/paged-list';
import { api } from '../../lib/session';
import type { WebhookEvent } from '../../lib/types';
import { adminStyles } from './admin-styles';

const TONE: Record<WebhookEvent['status'], string> = { received: 'blue', processed: 'green', ignored: '', failed: 'red', 'rejected-mismatch': 'amber' };

export class WebhooksPanel extends LitElement {
  static override properties = { status: { state: true }, retrying: { state: true } };
  declare status: string;
  declare retrying: string | null;

  private readonly list = new PagedList<WebhookEvent>(this, api, '/v1/admin/webhooks', () => ({ status: this.status || undefined, limit: 15 }));

  constructor() {
    super();
    this.status = 'failed';
    this.retrying = null;
  }

  private async retry(w: WebhookEvent) {
    this.retrying = w.id;
    try {
      const after = await api.post<WebhookEvent>(`/v1/admin/webhooks/${w.id}/retry`);
      toast(after.status === 'failed' ? `Failed again: ${after.lastError ?? 'unknown error'}` : `${after.type}: ${after.status}${after.outcome ? ` (${after.outcome})` : ''}`, after.status === 'failed' ? 'error' : 'ok');
      this.list.update((rows) => rows.map((r) => (r.id === w.id ? after : r)));
    } catch (err) {
      toast(messageOf(err), 'error');
    } finally {
      this.retrying = null;
    }
  }

  override render() {
    return html`<section class="card" aria-labelledby="hooks-title">
      <div class="card-head"><h2 id="hooks-title">Payment webhooks</h2>
        <label class="inline-label">Status <select @change=${(e: Event) => { this.status = (e.target as HTMLSelectElement).value; void this.list.reload(); }}>
          ${[['failed', 'Failed'], ['received', 'Received'], ['rejected-mismatch', 'Rejected'], ['', 'All']].map(([v, l]) => html`<option value=${v!} ?selected=${this.status === v}>${l}</option>`)}</select></label></div>
      ${this.list.error ? html`<div class="card-pad">${errorState(this.list.error, () => void this.list.retry())}</div>` : nothing}
      ${this.list.rows === null
        ? html`<div class="card-pad"><div class="skeleton sk"></div></div>`
        : this.list.rows.length === 0
          ? emptyState(this.status === 'failed' ? 'No failed deliveries' : 'No deliveries', this.status === 'failed' ? 'Every stored Stripe and PayPal event was processed. Failed ones are retried by the cron pass, or here at once.' : 'Nothing stored with this status.')
          : html`<ul class="feed">${this.list.rows.map((w) => html`<li data-webhook=${w.id}>
              <span class="badge ${TONE[w.status]}">${w.status}</span>
              <div class="what"><span class="strong">${w.provider}</span> <span class="mono">${w.type}</span>
                <div class="faint tiny">${formatDateTime(w.receivedAt)} · ${w.attempts} attempt${w.attempts === 1 ? '' : 's'}${w.orderId ? ` · ${w.orderId}` : ''}${w.outcome ? ` · ${w.outcome}` : ''}</div>
                ${w.lastError ? html`<div class="err tiny">${w.lastError}</div>` : nothing}</div>
              ${w.status === 'failed' || w.status === 'received'
                ? html`<button class="btn btn-sm" type="button" ?disabled=${this.retrying === w.id} @click=${() => this.retry(w)}>${this.retrying === w.id ? 'Retrying…' : 'Retry'}</button>`
                : html`<span></span>`}</li>`)}</ul>
            ${loadMoreButton(this.list)}`}
    </section>`;
  }

  static override styles = [
    base,
    statesStyles,
    adminStyles,
    css`
      .feed { --feed-badge: 96px; }
      .err { color: var(--red); }
    `,
  ];
}

customElements.define('admin-webhooks', WebhooksPanel);
