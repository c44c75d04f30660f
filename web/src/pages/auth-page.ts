// Sign in (/login) and sign up (/signup). Both go through /v1/auth/session/*, so the refresh token
// only ever exists in the httpOnly cookie. After signup the first API key is shown once.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../components/styles';
import { ApiError } from '../lib/api';
import { navigate } from '../lib/router';
import { session } from '../lib/session';
import type { SignupResult } from '../lib/types';

/** Only same-app paths are followed after sign-in (no open redirect). */
export function safeNext(next: string | null): string {
  return next && /^\/(?!\/)[^\s\\]*$/.test(next) && !next.startsWith('/login') && !next.startsWith('/signup') ? next : '/app';
}

export class AuthPage extends LitElement {
  static override properties = { query: { attribute: false }, busy: { state: true }, error: { state: true }, created: { state: true } };
  declare query: URLSearchParams;
  declare busy: boolean;
  declare error: ApiError | Error | null;
  declare created: SignupResult | null;

  constructor() {
    super();
    this.query = new URLSearchParams();
    this.busy = false;
    this.error = null;
    this.created = null;
  }

  private get mode(): 'login' | 'signup' {
    return location.pathname === '/signup' ? 'signup' : 'login';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (session.state === 'signed-in') navigate(safeNext(this.query.get('next')), { replace: true });
  }

  private async submit(e: SubmitEvent) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const email = String(data.get('email') ?? '').trim();
    const password = String(data.get('password') ?? '');
    this.busy = true;
    this.error = null;
    try {
      if (this.mode === 'signup') {
        this.created = await session.signup(email, password, String(data.get('organization') ?? '').trim());
      } else {
        await session.login(email, password);
        navigate(safeNext(this.query.get('next')), { replace: true });
      }
    } catch (err) {
      this.error = err instanceof Error ? err : new Error(String(err));
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[role=alert]')?.focus();
    } finally {
      this.busy = false;
    }
  }

  private fieldError(field: string): string | undefined {
    return this.error instanceof ApiError ? this.error.fieldError(`body.${field}`) : undefined;
  }

  private input(name: string, label: string, type: string, autocomplete: string, hint?: string) {
    const err = this.fieldError(name);
    return html`<label class="field">${label}
      <input name=${name} type=${type} autocomplete=${autocomplete} required ?disabled=${this.busy}
        minlength=${name === 'password' && this.mode === 'signup' ? 12 : nothing}
        aria-invalid=${err ? 'true' : 'false'} aria-describedby=${err || hint ? `${name}-note` : nothing} />
      ${err ? html`<span class="error" id="${name}-note">${err}</span>` : hint ? html`<span class="hint" id="${name}-note">${hint}</span>` : nothing}
    </label>`;
  }

  private renderCreated(c: SignupResult) {
    return html`<div class="card card-pad box">
      <h1>Welcome to GPUBroker</h1>
      <p class="muted">${c.tenant.name} is ready on the Free plan. Here is your first API key, with the admin role. It is shown only now: store it somewhere safe.</p>
      <div class="key"><code class="mono" data-testid="first-key">${c.apiKey.key}</code><gpb-copy .value=${c.apiKey.key} label="Copy key"></gpb-copy></div>
      <div class="row actions"><a class="btn btn-primary" href=${safeNext(this.query.get('next'))}>Continue</a><a class="btn" href="/market">Browse the market</a></div>
    </div>`;
  }

  override render() {
    if (this.created) return html`<div class="wrap">${this.renderCreated(this.created)}</div>`;
    const signup = this.mode === 'signup';
    const next = this.query.get('next');
    const other = signup ? `/login${next ? `?next=${encodeURIComponent(next)}` : ''}` : `/signup${next ? `?next=${encodeURIComponent(next)}` : ''}`;
    const generalError = this.error && !(this.error instanceof ApiError && this.error.errors.length) ? (this.error instanceof ApiError ? this.error.userMessage : this.error.message) : null;
    return html`<div class="wrap">
      <form class="card card-pad box" @submit=${this.submit} aria-labelledby="auth-title">
        <h1 id="auth-title">${signup ? 'Create your account' : 'Sign in to GPUBroker'}</h1>
        <p class="muted">${signup ? 'Free to start: search the market, deploy a pod, get an API key.' : 'Welcome back.'}</p>
        ${generalError ? html`<div class="notice error" role="alert" tabindex="-1">${generalError}</div>` : nothing}
        ${signup ? this.input('organization', 'Organization', 'text', 'organization') : nothing}
        ${this.input('email', 'Email', 'email', 'email')}
        ${this.input('password', 'Password', 'password', signup ? 'new-password' : 'current-password', signup ? 'At least 12 characters.' : undefined)}
        <button class="btn btn-primary btn-lg" type="submit" ?disabled=${this.busy}>${this.busy ? (signup ? 'Creating…' : 'Signing in…') : signup ? 'Create account' : 'Sign in'}</button>
        <p class="switch muted">${signup ? 'Already have an account?' : 'New to GPUBroker?'} <a href=${other}>${signup ? 'Sign in' : 'Create an account'}</a></p>
      </form>
    </div>`;
  }

  static override styles = [
    base,
    css`
      .wrap { display: grid; place-items: start center; padding: var(--space-8) var(--space-4); min-height: calc(100vh - var(--header-h) - 80px); }
      .box { width: min(420px, 100%); display: flex; flex-direction: column; gap: var(--space-4); box-shadow: var(--shadow); }
      .box h1 { font-size: var(--text-xl); }
      .switch { font-size: var(--text-sm); text-align: center; }
      .key { display: flex; gap: var(--space-2); align-items: center; background: var(--bg-subtle); border: 1px solid var(--border); border-radius: var(--radius); padding: var(--space-3); }
      .key code { flex: 1; word-break: break-all; font-size: var(--text-xs); }
      .actions { justify-content: flex-end; }
      .wrap:has(.key) .box { width: min(560px, 100%); }
    `,
  ];
}

customElements.define('auth-page', AuthPage);
