// The signed-in state of this tab. The access token lives only in this module's memory; the refresh
// token is an httpOnly cookie the browser holds and this code never sees (POST /v1/auth/session/*).
// Refreshes are serialised across tabs with a Web Lock: the refresh token rotates, and two tabs
// presenting the same one at once would look like a stolen token and end the session.
import { ApiClient, ApiError, buildQuery, type QueryValue, type TokenSource } from './api';
import { ReadCache } from './cache';
import type { BrowserSession, Me, SignupResult } from './types';

const CSRF = { 'x-gpubroker-csrf': '1' };
/** Not a secret: only whether this browser had a session, to skip a refresh call that must fail. */
const HINT_KEY = 'gpb.has-session';
/** Renew this long before the access token expires. */
const RENEW_EARLY_MS = 60_000;

export type SessionState = 'unknown' | 'anonymous' | 'signed-in';

class Session extends EventTarget implements TokenSource {
  state: SessionState = 'unknown';
  me: Me | null = null;
  private token: string | null = null;
  private expiresAt = 0;
  private inflight: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Calls of the session endpoints themselves, never with a bearer token. */
  private readonly raw = new ApiClient({ accessToken: async () => null, renewAfterUnauthorized: async () => false });

  async accessToken(): Promise<string | null> {
    if (this.token && Date.now() > this.expiresAt - 5_000) await this.refresh();
    return this.token;
  }

  async renewAfterUnauthorized(): Promise<boolean> {
    return this.refresh();
  }

  /** On page load: back to signed in through the cookie, if this browser had a session. */
  async restore(): Promise<void> {
    if (hint()) await this.refresh();
    if (this.state === 'unknown') this.setState('anonymous');
  }

  /** Exchanges the cookie for a new access token; one at a time, also across tabs. */
  refresh(): Promise<boolean> {
    this.inflight ??= withLock(() => this.doRefresh()).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async doRefresh(): Promise<boolean> {
    try {
      const s = await this.raw.post<BrowserSession>('/v1/auth/session/refresh', undefined, { headers: CSRF, auth: 'none' });
      await this.accept(s);
      return true;
    } catch (err) {
      // 401: no session or a dead one. Anything else (offline, 429) keeps what we have and says no.
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) this.clear();
      return false;
    }
  }

  async login(email: string, password: string): Promise<void> {
    reads.invalidate();
    const s = await this.raw.post<BrowserSession>('/v1/auth/session/login', { email, password }, { headers: CSRF, auth: 'none' });
    await this.accept(s);
  }

  async signup(email: string, password: string, organization: string): Promise<SignupResult> {
    reads.invalidate();
    const s = await this.raw.post<SignupResult>('/v1/auth/session/signup', { email, password, organization }, { headers: CSRF, auth: 'none' });
    await this.accept({ ...s, tenantId: s.tenant.id });
    return s;
  }

  async logout(): Promise<void> {
    try {
      await this.raw.post('/v1/auth/session/logout', undefined, { headers: CSRF, auth: 'none' });
    } finally {
      this.clear();
    }
  }

  /** Re-reads who we are (role, plan) after something changed them. */
  async reloadMe(): Promise<void> {
    if (this.state === 'signed-in') {
      this.me = await api.get<Me>('/v1/me');
      this.dispatchEvent(new Event('change'));
    }
  }

  private async accept(s: BrowserSession): Promise<void> {
    this.token = s.accessToken;
    this.expiresAt = Date.now() + s.expiresIn * 1000;
    setHint(true);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), Math.max(10_000, s.expiresIn * 1000 - RENEW_EARLY_MS));
    try {
      this.me = await api.get<Me>('/v1/me');
    } catch {
      this.me = null;
    }
    this.setState('signed-in');
  }

  private clear(): void {
    reads.invalidate();
    clearTimeout(this.timer);
    this.token = null;
    this.expiresAt = 0;
    this.me = null;
    setHint(false);
    this.setState('anonymous');
  }

  private setState(state: SessionState): void {
    this.state = state;
    this.dispatchEvent(new Event('change'));
  }

  /** Whether the signed-in user has at least `role` in the current tenant. */
  can(role: 'viewer' | 'member' | 'admin' | 'owner'): boolean {
    const order = ['viewer', 'member', 'admin', 'owner'];
    return this.me !== null && order.indexOf(this.me.role) >= order.indexOf(role);
  }
}

function hint(): boolean {
  try {
    return localStorage.getItem(HINT_KEY) === '1';
  } catch {
    return true;
  }
}

function setHint(on: boolean): void {
  try {
    if (on) localStorage.setItem(HINT_KEY, '1');
    else localStorage.removeItem(HINT_KEY);
  } catch {
    // storage disabled: every load tries a refresh, which is only slower
  }
}

function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? (locks.request('gpb-session-refresh', fn) as Promise<T>) : fn();
}

/** GET answers shared across pages for 30 s (one tenant's; emptied on sign-in and sign-out). */
export const reads = new ReadCache(30_000);
export const session = new Session();
export const api = new ApiClient(session);

/** A GET through the shared cache: pages that show the same balance or usage read it once. */
export function cachedGet<T>(path: string, query?: Record<string, QueryValue>, maxAgeMs?: number): Promise<T> {
  return reads.get(path + buildQuery(query), () => api.get<T>(path, { query }), maxAgeMs);
}
