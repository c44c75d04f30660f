// A deployment (/deployments/:id): status followed live by polling GET /v1/deployments/{id} with
// backoff (lib/poll.ts), the lifecycle steps, connection details, cost so far, the event log, and
// stop / start / terminate.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../components/styles';
import { emptyState, errorState, messageOf, statesStyles, statusBadge, toast } from '../components/ui';
import { ApiError } from '../lib/api';
import { formatCost, formatDateTime, formatDuration, formatPrice } from '../lib/format';
import { allowedActions, nextPollDelay } from '../lib/poll';
import { api, session } from '../lib/session';
import type { Deployment, DeploymentEvent } from '../lib/types';

type WithEvents = Deployment & { events: DeploymentEvent[] };

const STEPS = ['pending', 'provisioning', 'running'] as const;

export class DeploymentPage extends LitElement {
  static override properties = { params: { attribute: false }, d: { state: true }, error: { state: true }, acting: { state: true }, now: { state: true } };
  declare params: Record<string, string>;
  declare d: WithEvents | null;
  declare error: unknown;
  declare acting: string | null;
  declare now: number;

  private timer: ReturnType<typeof setTimeout> | undefined;
  private clock: ReturnType<typeof setInterval> | undefined;
  private attempt = 0;
  private fetchedAt = 0;

  constructor() {
    super();
    this.params = {};
    this.d = null;
    this.error = null;
    this.acting = null;
    this.now = Date.now();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.clock = setInterval(() => (this.now = Date.now()), 1000);
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.timer);
    clearInterval(this.clock);
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  private onVisibility = () => {
    if (!document.hidden && this.d) {
      clearTimeout(this.timer);
      void this.poll();
    }
  };

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('params')) {
      this.d = null;
      this.attempt = 0;
      clearTimeout(this.timer);
      void this.poll();
    }
  }

  private async poll() {
    try {
      const next = await api.get<WithEvents>(`/v1/deployments/${encodeURIComponent(this.params.id ?? '')}`);
      this.attempt = this.d && this.d.status === next.status ? this.attempt + 1 : 0;
      this.d = next;
      this.fetchedAt = Date.now();
      this.error = null;
      document.title = `${next.name} · ${next.status} · GPUBroker`;
    } catch (err) {
      this.error = err;
      if (err instanceof ApiError && (err.status === 404 || err.status === 400)) return;
      this.attempt++;
    }
    const delay = this.d ? nextPollDelay(this.d.status, this.attempt, document.hidden) : Math.min(30_000, 2000 * 2 ** this.attempt);
    clearTimeout(this.timer);
    if (delay !== null) this.timer = setTimeout(() => void this.poll(), delay);
  }

  private async act(action: 'stop' | 'start' | 'terminate') {
    const d = this.d!;
    if (action === 'terminate') {
      const dialog = this.renderRoot.querySelector<HTMLDialogElement>('dialog')!;
      dialog.showModal();
      const confirmed = await new Promise<boolean>((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true }));
      if (!confirmed) return;
    }
    this.acting = action;
    try {
      const path = `/v1/deployments/${d.id}`;
      const updated = action === 'terminate' ? await api.delete<Deployment>(path) : await api.post<Deployment>(`${path}/${action}`);
      this.d = { ...d, ...updated };
      this.attempt = 0;
      toast(action === 'stop' ? 'Stopping the pod…' : action === 'start' ? 'Starting the pod…' : 'Terminating the pod…', 'info');
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.poll(), 1000);
    } catch (err) {
      toast(messageOf(err), 'error');
    } finally {
      this.acting = null;
    }
  }

  private renderSteps(d: WithEvents) {
    const index = STEPS.indexOf(d.status as (typeof STEPS)[number]);
    // After running (stopped, terminated …) every step was passed; the events say how far it got.
    const reached = Math.max(-1, ...d.events.map((e) => STEPS.indexOf(e.to as (typeof STEPS)[number])));
    const past = (i: number) => index > i || (index === -1 && reached >= i);
    return html`<ol class="steps" aria-label="Progress">
      ${STEPS.map((s, i) => html`<li class=${index === i ? 'current' : past(i) ? 'done' : ''} aria-current=${index === i ? 'step' : nothing}>
        <span class="dot" aria-hidden="true"></span><span>${s}</span></li>`)}
    </ol>`;
  }

  private renderConnection(d: Deployment) {
    const c = d.connection;
    if (!c || (!c.sshHost && !c.httpUrl)) {
      return html`<p class="muted small">${d.status === 'running' ? 'The provider reported no connection details.' : 'Connection details appear once the pod is running.'}</p>`;
    }
    const ssh = c.sshHost ? `ssh -p ${c.sshPort ?? 22} root@${c.sshHost}` : null;
    return html`<div class="stack tight">
      ${ssh ? html`<div class="conn"><span class="label">SSH</span><code class="mono" data-testid="ssh">${ssh}</code><gpb-copy .value=${ssh}></gpb-copy></div>` : nothing}
      ${c.httpUrl ? html`<div class="conn"><span class="label">HTTP</span><a class="mono" href=${c.httpUrl} target="_blank" rel="noopener noreferrer external">${c.httpUrl}</a><gpb-copy .value=${c.httpUrl}></gpb-copy></div>` : nothing}
    </div>`;
  }

  override render() {
    if (!this.d) {
      if (this.error instanceof ApiError && (this.error.status === 404 || this.error.status === 400)) {
        return html`<div class="page">${emptyState('Deployment not found', 'It does not exist, or it belongs to another organization.', html`<a class="btn" href="/app/deployments">All deployments</a>`)}</div>`;
      }
      return html`<div class="page">${this.error ? errorState(this.error, () => void this.poll()) : html`<div class="skeleton head-sk"></div><div class="skeleton body-sk"></div>`}</div>`;
    }
    const d = this.d;
    const actions = allowedActions(d.status);
    const can = session.can('member');
    // Between polls a running pod's cost and uptime move on at the locked price.
    const extraS = d.status === 'running' ? Math.max(0, (this.now - this.fetchedAt) / 1000) : 0;
    const cost = d.costSoFarUsd + (d.quotedPricePerHourUsd * extraS) / 3600;
    return html`<div class="page">
      <nav class="crumbs" aria-label="Breadcrumb"><a href="/app/deployments">Deployments</a><span aria-hidden="true">/</span><span aria-current="page">${d.name}</span></nav>
      <div class="page-head">
        <div>
          <div class="row"><h1>${d.name}</h1><span data-testid="status" aria-live="polite">${statusBadge(d.status)}</span></div>
          <p>${d.gpuCount}× ${d.gpuModel} · ${d.provider} · ${d.region} · <span class="mono">${d.id}</span></p>
        </div>
        ${can
          ? html`<div class="row">
              ${actions.start ? html`<button class="btn" ?disabled=${this.acting !== null} @click=${() => this.act('start')}>${this.acting === 'start' ? 'Starting…' : 'Start'}</button>` : nothing}
              ${actions.stop ? html`<button class="btn" ?disabled=${this.acting !== null} @click=${() => this.act('stop')}>${this.acting === 'stop' ? 'Stopping…' : 'Stop'}</button>` : nothing}
              ${actions.terminate ? html`<button class="btn btn-danger" ?disabled=${this.acting !== null} @click=${() => this.act('terminate')}>${this.acting === 'terminate' ? 'Terminating…' : 'Terminate'}</button>` : nothing}
            </div>`
          : nothing}
      </div>
      ${this.error ? html`<div class="notice warn">Could not refresh: ${messageOf(this.error)} Retrying.</div>` : nothing}
      ${d.status === 'failed' ? html`<div class="notice error" role="alert"><strong>Failed.</strong> ${d.statusReason ?? ''}</div>` : nothing}
      <div class="cards">
        <div class="card card-pad"><span class="label">Status</span>${this.renderSteps(d)}<p class="faint small">since <gpb-age at=${d.statusSince}></gpb-age>${d.statusReason && d.status !== 'failed' ? html` · ${d.statusReason}` : nothing}</p></div>
        <div class="card card-pad"><span class="label">Cost so far</span><div class="stat num" data-testid="cost">${formatCost(cost)}</div><p class="faint small">at ${formatPrice(d.quotedPricePerHourUsd)}/h, locked${d.maxSpendUsd ? ` · stops at ${formatCost(d.maxSpendUsd)}` : ''}</p></div>
        <div class="card card-pad"><span class="label">Uptime</span><div class="stat num">${formatDuration(d.uptimeSeconds + extraS)}</div><p class="faint small">${d.maxHours ? `stops after ${d.maxHours} h` : 'no time limit'}${d.gpuUtilization !== null ? ` · GPU ${Math.round(d.gpuUtilization * 100)} %` : ''}</p></div>
      </div>
      <div class="two">
        <section class="card card-pad stack">
          <h2>Connect</h2>
          ${this.renderConnection(d)}
          <dl class="kv">
            <dt>Image</dt><dd class="mono">${d.image}</dd>
            ${d.command ? html`<dt>Command</dt><dd class="mono">${d.command.join(' ')}</dd>` : nothing}
            <dt>Ports</dt><dd>${d.ports.length ? d.ports.join(', ') : '—'}</dd>
            <dt>Environment</dt><dd>${d.envKeys?.length ? d.envKeys.join(', ') : html`<span class="muted">values sealed; never shown</span>`}</dd>
            <dt>SSH key</dt><dd>${d.hasSshKey ? 'installed' : 'none'}</dd>
            <dt>Failover</dt><dd>${d.failover?.enabled ? 'on' : 'off'}</dd>
            <dt>Pod</dt><dd class="mono">${d.podId ?? '—'}</dd>
          </dl>
        </section>
        <section class="card">
          <div class="card-head"><h2>Events</h2></div>
          <ol class="events">
            ${[...d.events].reverse().map((e) => html`<li>
              <span class="when faint num">${formatDateTime(e.at)}</span>
              <span class="what">${e.from ? html`${e.from} → ` : nothing}<strong>${e.to ?? e.reason}</strong>${e.reason && e.to ? html` <span class="muted">· ${e.reason}</span>` : nothing}
                ${e.detail ? html`<div class="faint small">${e.detail}</div>` : nothing}</span>
              <span class="badge plain">${e.source}</span>
            </li>`)}
          </ol>
        </section>
      </div>
      <dialog aria-labelledby="confirm-title">
        <form method="dialog" class="stack">
          <h2 id="confirm-title">Terminate ${d.name}?</h2>
          <p class="muted">The pod and its disk are destroyed. This cannot be undone.</p>
          <div class="row end"><button class="btn" value="no">Keep it</button><button class="btn btn-primary danger" value="yes">Terminate</button></div>
        </form>
      </dialog>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    css`
      .cards { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: var(--space-3); margin: var(--space-4) 0; }
      @media (max-width: 860px) { .cards { grid-template-columns: minmax(0, 1fr); } }
      .cards .card { display: flex; flex-direction: column; gap: var(--space-2); }
      .small { font-size: var(--text-xs); }
      .steps { list-style: none; display: flex; gap: var(--space-2); padding: 0; margin: 4px 0 0; font-size: var(--text-sm); }
      .steps li { display: flex; align-items: center; gap: 6px; color: var(--text-faint); }
      .steps li + li::before { content: ''; width: 16px; height: 1px; background: var(--border-strong); margin-right: 4px; }
      .steps .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--border-strong); }
      .steps li.done { color: var(--text-muted); }
      .steps li.done .dot { background: var(--green); }
      .steps li.current { color: var(--text); font-weight: 600; }
      .steps li.current .dot { background: var(--accent); box-shadow: 0 0 0 3px var(--accent-soft); }
      .two { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: var(--space-4); align-items: start; }
      @media (max-width: 900px) { .two { grid-template-columns: minmax(0, 1fr); } }
      .stack.tight { gap: var(--space-2); }
      .conn { display: grid; grid-template-columns: 48px 1fr auto; align-items: center; gap: var(--space-2); background: var(--bg-subtle); border: 1px solid var(--border); border-radius: var(--radius); padding: 6px 6px 6px 10px; }
      .conn code, .conn a { overflow-wrap: anywhere; font-size: var(--text-xs); }
      .kv { display: grid; grid-template-columns: auto 1fr; gap: 8px var(--space-4); margin: 0; font-size: var(--text-sm); }
      .kv dt { color: var(--text-muted); }
      .kv dd { margin: 0; overflow-wrap: anywhere; }
      .events { list-style: none; margin: 0; padding: 0; max-height: 420px; overflow: auto; }
      .events li { display: grid; grid-template-columns: 110px 1fr auto; gap: var(--space-3); padding: 10px var(--space-5); border-bottom: 1px solid var(--border); font-size: var(--text-sm); align-items: start; }
      .events li:last-child { border-bottom: 0; }
      @media (max-width: 640px) { .events li { grid-template-columns: 1fr auto; } .events .when { grid-column: 1 / -1; } }
      dialog { border: 1px solid var(--border); border-radius: var(--radius-lg); background: var(--surface); color: var(--text); padding: var(--space-5); width: min(420px, calc(100vw - 32px)); box-shadow: var(--shadow); }
      dialog::backdrop { background: rgb(0 0 0 / 0.45); }
      .end { justify-content: flex-end; }
      .danger { background: var(--red); border-color: var(--red); color: #fff; }
      .head-sk { height: 48px; width: 50%; margin-bottom: var(--space-4); }
      .body-sk { height: 320px; }
    `,
  ];
}

customElements.define('deployment-page', DeploymentPage);
