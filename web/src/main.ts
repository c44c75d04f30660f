// Entry: the app shell (header, navigation, the routed page, toasts), the theme, and the session
// restored from its cookie before the first protected page renders. Pages load on demand.
import { css, html, LitElement, nothing } from 'lit';
import { logoMark, menuIcon, moonIcon, sunIcon } from './components/icons';
import { base } from './components/styles';
import './components/ui';
import { isAppLink, matchRoute, navigate, type RouteMatch } from './lib/router';
import { session } from './lib/session';
import { ROUTES } from './routes';

type Theme = 'light' | 'dark';
const THEME_KEY = 'gpb.theme';

function storedTheme(): Theme | null {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return t === 'light' || t === 'dark' ? t : null;
  } catch {
    return null;
  }
}

function applyTheme(theme: Theme | null): void {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

applyTheme(storedTheme());

interface PageElement extends HTMLElement {
  params?: Record<string, string>;
  query?: URLSearchParams;
}

interface Toast {
  id: number;
  message: string;
  tone: string;
}

export class GpbApp extends LitElement {
  static override properties = {
    page: { state: true },
    loading: { state: true },
    menuOpen: { state: true },
    toasts: { state: true },
    theme: { state: true },
  };

  declare page: PageElement | null;
  declare loading: boolean;
  declare menuOpen: boolean;
  declare toasts: Toast[];
  declare theme: Theme;

  private current: RouteMatch | null = null;
  private firstRender = true;
  private toastId = 0;

  constructor() {
    super();
    this.page = null;
    this.loading = true;
    this.menuOpen = false;
    this.toasts = [];
    this.theme = storedTheme() ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.route);
    window.addEventListener('gpb-navigate', this.route);
    window.addEventListener('gpb-toast', this.onToast as EventListener);
    document.addEventListener('click', this.onClick);
    session.addEventListener('change', this.onSession);
    void session.restore().then(this.route);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('popstate', this.route);
    window.removeEventListener('gpb-navigate', this.route);
    window.removeEventListener('gpb-toast', this.onToast as EventListener);
    document.removeEventListener('click', this.onClick);
    session.removeEventListener('change', this.onSession);
  }

  private onSession = () => {
    this.requestUpdate();
    // Signed out while on a page that needs a user: go to the sign-in page.
    if (session.state === 'anonymous' && this.current?.route.auth) this.route();
  };

  private onClick = (event: MouseEvent) => {
    const a = event.composedPath().find((n): n is HTMLAnchorElement => n instanceof HTMLAnchorElement);
    if (!a || !isAppLink(a, event, location.origin)) return;
    event.preventDefault();
    this.menuOpen = false;
    const url = new URL(a.href);
    if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search + url.hash);
  };

  private onToast = (event: CustomEvent<{ message: string; tone: string }>) => {
    const id = ++this.toastId;
    this.toasts = [...this.toasts.slice(-2), { id, ...event.detail }];
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), 4500);
  };

  /** Renders the route of the current URL. */
  private route = async () => {
    if (session.state === 'unknown') return; // restore() calls back
    // A path no pattern takes (a malformed escape) gets the not-found page, the last route.
    const match = matchRoute(ROUTES, location.pathname) ?? { route: ROUTES[ROUTES.length - 1]!, params: {} };
    if (match.route.auth && session.state !== 'signed-in') {
      navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
      return;
    }
    const query = new URLSearchParams(location.search);
    const same = this.current && this.page && this.current.route === match.route && JSON.stringify(this.current.params) === JSON.stringify(match.params);
    if (same) {
      this.page!.query = query;
      this.page!.params = match.params;
      return;
    }
    this.current = match;
    this.loading = true;
    try {
      await match.route.load();
    } catch {
      // A stale tab after a deploy: the old chunk is gone. A full load gets the new app.
      location.reload();
      return;
    }
    if (this.current !== match) return; // another navigation won
    const page = document.createElement(match.route.tag) as PageElement;
    page.params = match.params;
    page.query = query;
    document.title = match.route.title;
    this.page = page;
    this.loading = false;
    if (!this.firstRender) {
      window.scrollTo(0, 0);
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('main')?.focus({ preventScroll: true });
    }
    this.firstRender = false;
  };

  private toggleTheme() {
    this.theme = this.theme === 'dark' ? 'light' : 'dark';
    applyTheme(this.theme);
    try {
      localStorage.setItem(THEME_KEY, this.theme);
    } catch {
      // not kept: fine
    }
  }

  private async signOut() {
    await session.logout().catch(() => undefined);
    navigate('/');
  }

  override render() {
    const path = location.pathname;
    const signedIn = session.state === 'signed-in';
    const me = session.me;
    const link = (href: string, label: string, active: boolean) =>
      html`<a href=${href} class="nav-link" aria-current=${active ? 'page' : nothing}>${label}</a>`;
    const nav = html`
      ${link('/market', 'Market', path === '/market' || path === '/providers' || path.startsWith('/gpus/'))}
      ${link('/recommend', 'Recommend', path === '/recommend')}
      ${signedIn ? link('/app', 'Dashboard', path.startsWith('/app') || path.startsWith('/deploy') || path.startsWith('/checkout/')) : nothing}
      ${signedIn && me?.user?.isPlatformAdmin ? link('/admin', 'Admin', path.startsWith('/admin')) : nothing}
      <a href="/docs" class="nav-link" rel="external">API docs</a>
    `;
    return html`
      <a class="skip" href="#main" @click=${(e: Event) => { e.preventDefault(); this.renderRoot.querySelector<HTMLElement>('main')?.focus(); }}>Skip to content</a>
      <header>
        <div class="bar">
          <a href="/" class="brand" aria-label="GPUBroker home">${logoMark}<span>GPUBroker</span></a>
          <nav class="nav" aria-label="Main">${nav}</nav>
          <div class="spacer"></div>
          <button class="btn btn-ghost icon" type="button" @click=${this.toggleTheme}
            aria-label=${this.theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'} title="Toggle theme">
            ${this.theme === 'dark' ? sunIcon : moonIcon}
          </button>
          ${session.state === 'unknown'
            ? html`<span class="account-placeholder" aria-hidden="true"></span>`
            : signedIn
              ? html`<div class="account">
                  <span class="who"><span class="tenant">${me?.tenant.name ?? ''}</span><span class="email faint">${me?.user?.email ?? ''}</span></span>
                  <button class="btn btn-sm" type="button" @click=${this.signOut}>Sign out</button>
                </div>`
              : html`<div class="account">
                  <a class="btn btn-ghost btn-sm hide-sm" href="/login">Sign in</a>
                  <a class="btn btn-primary btn-sm" href="/signup">Get started</a>
                </div>`}
          <button class="btn btn-ghost icon menu-btn" type="button" aria-expanded=${this.menuOpen ? 'true' : 'false'} aria-controls="mobile-nav"
            aria-label="Menu" @click=${() => (this.menuOpen = !this.menuOpen)}>${menuIcon}</button>
        </div>
        ${this.menuOpen
          ? html`<nav id="mobile-nav" class="mobile-nav" aria-label="Main">${nav}${!signedIn && session.state !== 'unknown' ? html`<a class="nav-link" href="/login">Sign in</a>` : nothing}</nav>`
          : nothing}
        <div class="progress ${this.loading ? 'on' : ''}" aria-hidden="true"></div>
      </header>
      <main id="main" tabindex="-1">${this.page ?? nothing}</main>
      <footer>
        <div class="foot">
          <span>© GPUBroker</span>
          <span class="faint">Prices are what providers report; always check before you deploy.</span>
          <span class="links"><a href="/market">Market</a><a href="/providers">Providers</a><a href="/recommend">Recommend</a><a href="/docs" rel="external">API</a><a href="/openapi.json" rel="external">OpenAPI</a></span>
        </div>
      </footer>
      <div class="toasts" role="status" aria-live="polite">
        ${this.toasts.map((t) => html`<div class="toast ${t.tone}">${t.message}</div>`)}
      </div>
    `;
  }

  static override styles = [
    base,
    css`
      :host { display: flex; flex-direction: column; min-height: 100vh; }
      .skip { position: absolute; left: -999px; top: 8px; z-index: 100; background: var(--surface); padding: 8px 12px; border-radius: var(--radius); }
      .skip:focus { left: 8px; }
      header { position: sticky; top: 0; z-index: 20; background: color-mix(in srgb, var(--bg) 85%, transparent); backdrop-filter: blur(10px); border-bottom: 1px solid var(--border); }
      .bar { max-width: var(--page-max); margin: 0 auto; height: var(--header-h); display: flex; align-items: center; gap: var(--space-4); padding: 0 var(--space-5); }
      .brand { display: inline-flex; align-items: center; gap: 8px; color: var(--text); font-weight: 650; letter-spacing: -0.01em; }
      .brand:hover { text-decoration: none; }
      .nav { display: flex; gap: 2px; }
      .nav-link { color: var(--text-muted); font-size: var(--text-sm); font-weight: 500; padding: 6px 10px; border-radius: var(--radius-sm); }
      .nav-link:hover { color: var(--text); background: var(--bg-hover); text-decoration: none; }
      .nav-link[aria-current='page'] { color: var(--text); background: var(--bg-muted); }
      .spacer { flex: 1; }
      .icon { width: 34px; padding: 0; color: var(--text-muted); }
      .account { display: flex; align-items: center; gap: var(--space-2); }
      .account-placeholder { width: 160px; }
      .who { display: flex; flex-direction: column; align-items: flex-end; line-height: 1.2; font-size: var(--text-xs); max-width: 200px; }
      .who .tenant { font-weight: 600; color: var(--text); }
      .who span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 100%; }
      .menu-btn { display: none; }
      .mobile-nav { display: flex; flex-direction: column; padding: var(--space-2) var(--space-4) var(--space-3); border-top: 1px solid var(--border); }
      .mobile-nav .nav-link { padding: 10px 8px; font-size: var(--text-base); }
      @media (max-width: 760px) {
        .nav, .who, .hide-sm { display: none; }
        .menu-btn { display: inline-flex; }
        .bar { padding: 0 var(--space-4); gap: var(--space-2); }
        .account-placeholder { width: 90px; }
      }
      .progress { position: absolute; left: 0; bottom: -1px; height: 2px; width: 0; background: var(--accent); opacity: 0; }
      .progress.on { animation: load 1.2s ease-out forwards; opacity: 1; animation-delay: 150ms; }
      @keyframes load { from { width: 0; } to { width: 70%; } }
      main { flex: 1; outline: none; }
      @media print { header, footer, .toasts, .skip { display: none; } }
      footer { border-top: 1px solid var(--border); margin-top: auto; }
      .foot { max-width: var(--page-max); margin: 0 auto; padding: var(--space-5); display: flex; gap: var(--space-4); flex-wrap: wrap; font-size: var(--text-xs); color: var(--text-muted); align-items: center; }
      .foot .links { margin-left: auto; display: flex; gap: var(--space-4); }
      .foot a { color: var(--text-muted); }
      .toasts { position: fixed; bottom: var(--space-5); right: var(--space-5); display: flex; flex-direction: column; gap: var(--space-2); z-index: 50; max-width: min(420px, calc(100vw - 32px)); }
      .toast { background: var(--bg-inverted); color: var(--text-inverted); padding: 10px 14px; border-radius: var(--radius); box-shadow: var(--shadow); font-size: var(--text-sm); }
      .toast.error { background: var(--red); color: #fff; }
    `,
  ];
}

customElements.define('gpb-app', GpbApp);
