// The dashboard (/app/*): a sub-navigation over sections, each its own lazily loaded element. A new
// section (billing, invoices, alerts…) is one entry in SECTIONS plus its module in this folder.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../../components/styles';
import { statesStyles, emptyState } from '../../components/ui';
import { session } from '../../lib/session';
import type { Role } from '../../lib/types';

export interface Section {
  /** The path under /app ('' is /app itself). */
  path: string;
  label: string;
  tag: string;
  load: () => Promise<unknown>;
  /** Least role that sees the section (the API enforces the same). */
  role: Role;
}

export const SECTIONS: readonly Section[] = [
  { path: '', label: 'Overview', tag: 'app-overview', load: () => import('./overview-section'), role: 'viewer' },
  { path: 'deployments', label: 'Deployments', tag: 'app-deployments', load: () => import('./deployments-section'), role: 'viewer' },
  { path: 'billing', label: 'Billing', tag: 'app-billing', load: () => import('./billing-section'), role: 'viewer' },
  { path: 'invoices', label: 'Invoices', tag: 'app-invoices', load: () => import('./invoices-section'), role: 'viewer' },
  { path: 'plan', label: 'Plan', tag: 'app-plan', load: () => import('./plan-section'), role: 'viewer' },
  { path: 'alerts', label: 'Price alerts', tag: 'app-alerts', load: () => import('./alerts-section'), role: 'viewer' },
  { path: 'keys', label: 'API keys', tag: 'app-keys', load: () => import('./keys-section'), role: 'admin' },
  { path: 'members', label: 'Members', tag: 'app-members', load: () => import('./members-section'), role: 'viewer' },
  { path: 'audit', label: 'Audit log', tag: 'app-audit', load: () => import('./audit-section'), role: 'admin' },
];

/** A section element: `sub` is the rest of the path (`/app/invoices/inv_…` → `inv_…`). */
type SectionElement = HTMLElement & { query?: URLSearchParams; sub?: string };

export class DashboardPage extends LitElement {
  static override properties = { params: { attribute: false }, query: { attribute: false }, content: { state: true } };
  declare params: Record<string, string>;
  declare query: URLSearchParams;
  declare content: SectionElement | null;
  private shown: Section | null = null;

  constructor() {
    super();
    this.params = {};
    this.query = new URLSearchParams();
    this.content = null;
  }

  private get path(): { head: string; sub: string } {
    const [head = '', ...rest] = (this.params['*'] ?? '').split('/');
    return { head, sub: rest.join('/') };
  }

  private get section(): Section | undefined {
    return SECTIONS.find((s) => s.path === this.path.head);
  }

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('params') || changed.has('query')) void this.show();
  }

  private async show() {
    const s = this.section;
    if (!s || !session.can(s.role)) return;
    if (s === this.shown) {
      // The same section with another sub-path or query (an invoice opened, a filter): it updates in place.
      if (this.content) {
        this.content.sub = this.path.sub;
        this.content.query = this.query;
      }
      return;
    }
    this.shown = s;
    this.content = null;
    await s.load();
    if (this.shown !== s) return;
    const el = document.createElement(s.tag) as SectionElement;
    el.query = this.query;
    el.sub = this.path.sub;
    this.content = el;
    document.title = `${s.label} · Dashboard · GPUBroker`;
  }

  override render() {
    const s = this.section;
    const visible = SECTIONS.filter((x) => session.can(x.role));
    const me = session.me;
    return html`<div class="page">
      <div class="head">
        <div><span class="label">${me?.tenant.name ?? ''}</span><h1>${s?.label ?? 'Dashboard'}</h1></div>
        <span class="badge accent plain" title="Your role in this organization">${me?.role ?? ''} · ${me?.tenant.plan ?? ''} plan</span>
      </div>
      <div class="layout">
        <nav class="side" aria-label="Dashboard">
          ${visible.map((x) => html`<a href=${x.path ? `/app/${x.path}` : '/app'} aria-current=${x === s ? 'page' : nothing}>${x.label}</a>`)}
          <a href="/market" class="side-cta">+ New deployment</a>
        </nav>
        <div class="content">
          ${!s
            ? emptyState('No such section', 'Pick one from the menu.')
            : !session.can(s.role)
              ? emptyState('Not available to your role', `The ${s.label.toLowerCase()} needs the ${s.role} role or higher.`)
              : (this.content ?? html`<div class="skeleton sk"></div>`)}
        </div>
      </div>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    css`
      .head { display: flex; justify-content: space-between; align-items: flex-end; gap: var(--space-3); margin-bottom: var(--space-5); flex-wrap: wrap; }
      .layout { display: grid; grid-template-columns: 200px minmax(0, 1fr); gap: var(--space-6); align-items: start; }
      .side { display: flex; flex-direction: column; gap: 2px; position: sticky; top: calc(var(--header-h) + 16px); }
      .side a { color: var(--text-muted); font-size: var(--text-sm); font-weight: 500; padding: 7px 10px; border-radius: var(--radius-sm); }
      .side a:hover { background: var(--bg-hover); color: var(--text); text-decoration: none; }
      .side a[aria-current='page'] { background: var(--bg-muted); color: var(--text); }
      .side .side-cta { margin-top: var(--space-3); color: var(--accent); }
      @media print { .side, .head .badge { display: none; } .layout { display: block; } }
      @media (max-width: 860px) {
        .layout { grid-template-columns: minmax(0, 1fr); gap: var(--space-4); }
        .side { position: static; flex-direction: row; overflow-x: auto; border-bottom: 1px solid var(--border); padding-bottom: var(--space-2); gap: var(--space-1); scrollbar-width: none; }
        .side a { white-space: nowrap; }
        .side .side-cta { margin-top: 0; }
      }
      .sk { height: 360px; }
    `,
  ];
}

customElements.define('dashboard-page', DashboardPage);
