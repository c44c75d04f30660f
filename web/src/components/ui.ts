// Small shared UI pieces: the ticking age, status badges, loading/empty/error states, the copy
// button, toasts. Templates are functions so every page renders the same states the same way.
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import { ApiError } from '../lib/api';
import { ageSeconds, formatAge } from '../lib/format';
import type { DeploymentStatus } from '../lib/types';
import { base } from './styles';

/** All ages on screen tick on one shared timer. */
const ages = new Set<AgeText>();
let ticker: ReturnType<typeof setInterval> | undefined;

/** `<gpb-age at="ISO">` shows "12 s ago" and keeps it current, once a second for all of them. */
export class AgeText extends HTMLElement {
  static observedAttributes = ['at'];
  connectedCallback() {
    ages.add(this);
    this.tick(Date.now());
    ticker ??= setInterval(() => {
      const now = Date.now();
      for (const a of ages) a.tick(now);
    }, 1000);
  }
  disconnectedCallback() {
    ages.delete(this);
    if (ages.size === 0) {
      clearInterval(ticker);
      ticker = undefined;
    }
  }
  attributeChangedCallback() {
    if (this.isConnected) this.tick(Date.now());
  }
  tick(now: number) {
    const at = this.getAttribute('at');
    const text = at ? formatAge(ageSeconds(at, now)) : '—';
    if (this.textContent !== text) this.textContent = text;
  }
}
customElements.define('gpb-age', AgeText);

const STATUS_TONE: Record<DeploymentStatus, string> = {
  pending: 'amber',
  provisioning: 'blue',
  running: 'green',
  stopping: 'amber',
  stopped: '',
  terminating: 'amber',
  terminated: '',
  failed: 'red',
};

export function statusBadge(status: DeploymentStatus): TemplateResult {
  return html`<span class="badge ${STATUS_TONE[status] ?? ''}" data-status=${status}>${status}</span>`;
}

export function availabilityBadge(a: string): TemplateResult {
  const tone = a === 'available' ? 'green' : a === 'limited' ? 'amber' : 'red';
  return html`<span class="badge ${tone}">${a}</span>`;
}

export function loadingRows(count: number, columns: number): TemplateResult {
  return html`${Array.from(
    { length: count },
    () => html`<tr aria-hidden="true">${Array.from({ length: columns }, () => html`<td><div class="skeleton sk-line"></div></td>`)}</tr>`,
  )}`;
}

export function emptyState(title: string, body: string | TemplateResult, action?: TemplateResult): TemplateResult {
  return html`<div class="empty" role="status">
    <div class="empty-icon" aria-hidden="true"></div>
    <h3>${title}</h3>
    <p class="muted">${body}</p>
    ${action ?? nothing}
  </div>`;
}

export function errorState(error: unknown, retry?: () => void): TemplateResult {
  const message = error instanceof ApiError ? error.userMessage : error instanceof Error ? error.message : String(error);
  return html`<div class="notice error" role="alert">
    <div class="row"><strong>Could not load this.</strong><span>${message}</span>
    ${retry ? html`<button class="btn btn-sm" @click=${retry}>Retry</button>` : nothing}</div>
  </div>`;
}

/** "Load more" under a cursor-paged list, while the API says another page exists. */
export function loadMoreButton(list: { cursor: string | null; busy: boolean; more(): Promise<void> }): TemplateResult | typeof nothing {
  return list.cursor ? html`<div class="more"><button class="btn btn-sm" ?disabled=${list.busy} @click=${() => void list.more()}>${list.busy ? 'Loading…' : 'Load more'}</button></div>` : nothing;
}

export function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.userMessage : error instanceof Error ? error.message : String(error);
}

/** Shows a short message in the app's toast region. */
export function toast(message: string, tone: 'ok' | 'error' | 'info' = 'info'): void {
  window.dispatchEvent(new CustomEvent('gpb-toast', { detail: { message, tone } }));
}

/** `<gpb-copy .value=${text} label="Copy key">`: copies and says so. */
export class CopyButton extends LitElement {
  static override properties = { value: { type: String }, label: { type: String }, copied: { state: true } };
  static override styles = [base];
  declare value: string;
  declare label: string;
  declare copied: boolean;
  constructor() {
    super();
    this.value = '';
    this.label = 'Copy';
    this.copied = false;
  }
  override render() {
    return html`<button class="btn btn-sm" type="button" @click=${this.copy} aria-live="polite">${this.copied ? 'Copied' : this.label}</button>`;
  }
  private async copy() {
    try {
      await navigator.clipboard.writeText(this.value);
      this.copied = true;
      setTimeout(() => (this.copied = false), 1600);
    } catch {
      toast('Copying was blocked by the browser; select the text and copy it.', 'error');
    }
  }
}
customElements.define('gpb-copy', CopyButton);

/** Shared styles for the states above, adopted by pages next to `base`. */
export { statesStyles } from './states-styles';
