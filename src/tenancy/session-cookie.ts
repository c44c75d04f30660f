// The browser's session: the rotating refresh token lives in an httpOnly cookie the page's script can
// never read, so an XSS cannot steal it; the short-lived access token stays in the page's memory. The
// cookie is `__Host-` (Secure, no Domain, Path=/: no subdomain can set or shadow it; browsers refuse a
// `__Host-` cookie with any other Path) and SameSite=Strict. Requests that use it must also pass a
// same-origin check (custom header, Origin, Sec-Fetch-Site), so another site cannot make a browser
// spend or end the session.
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { Problem } from '../http/problem';
import { REFRESH_TOKEN_MS } from './sessions';

export const SESSION_COOKIE = '__Host-gpb_session';
/** The header a same-origin script sends; a cross-origin page would need a CORS preflight we never grant with credentials. */
export const CSRF_HEADER = 'X-GPUBroker-CSRF';

const COOKIE_ATTRIBUTES = 'Path=/; HttpOnly; Secure; SameSite=Strict';
const TOKEN = /^[A-Za-z0-9_-]{1,512}$/;

export function sessionCookie(refreshToken: string): string {
  return `${SESSION_COOKIE}=${refreshToken}; Max-Age=${REFRESH_TOKEN_MS / 1000}; ${COOKIE_ATTRIBUTES}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Max-Age=0; ${COOKIE_ATTRIBUTES}`;
}

/** The refresh token from the request's session cookie, if it has a well-formed one. */
export function sessionCookieToken(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return TOKEN.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * Why a request may not use the cookie flow, or null when it may: it must carry the CSRF header, an
 * Origin equal to this API's own origin, and (where the browser sends it) Sec-Fetch-Site same-origin.
 */
export function crossSiteReason(headers: { get(name: string): string | null }, requestUrl: string): string | null {
  if (headers.get(CSRF_HEADER) !== '1') return `send the ${CSRF_HEADER}: 1 header`;
  const origin = headers.get('origin');
  if (!origin) return 'the Origin header is missing';
  if (origin !== new URL(requestUrl).origin) return 'the request comes from another origin';
  const site = headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin') return 'the request comes from another site';
  return null;
}

/** Throws 403 problem+json unless the request passes the same-origin check. */
export function requireSameOrigin(c: Context<AppEnv>): void {
  const reason = crossSiteReason(c.req.raw.headers, c.req.url);
  if (reason) throw new Problem(403, 'csrf', 'Cross-site request refused', `${reason}; the cookie session is for this site's own pages`);
}
