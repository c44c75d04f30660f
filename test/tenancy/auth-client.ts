// Calls of the identity endpoints for tests, each from an address of its own so the per-IP login
// throttle and the anonymous rate limit of one test never touch another's.
import { api, json } from '../helpers';

let lastIp = Math.floor(Math.random() * 60_000);

/** A documentation-range IPv6 address no other call in this run has used. */
export function freshIp(): string {
  lastIp += 1;
  return `2001:db8::${lastIp.toString(16)}`;
}

export function postJson(path: string, body: unknown, ip: string, headers: Record<string, string> = {}): Promise<Response> {
  return api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip, ...headers },
    body: JSON.stringify(body),
  });
}

export interface SignupBody {
  tenant: { id: string; name: string; plan: string };
  user: { id: string; email: string };
  apiKey: { id: string; key: string; preview: string };
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
}

export interface SessionBody {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
  tenantId: string;
}

export interface MeBody {
  kind: 'user' | 'api_key';
  user: { id: string; email: string; isPlatformAdmin: boolean } | null;
  apiKey: { id: string; name: string; role: string } | null;
  tenant: { id: string; name: string; plan: string };
  role: string;
  memberships: Array<{ tenantId: string; tenantName: string; role: string }>;
}

export const SIGNUP_PASSWORD = 'a long enough passphrase';

export async function signup(email = `${crypto.randomUUID()}@example.com`, organization = 'Acme Research'): Promise<SignupBody> {
  const res = await postJson('/v1/auth/signup', { email, password: SIGNUP_PASSWORD, organization }, freshIp());
  if (res.status !== 201) throw new Error(`signup answered ${res.status}: ${await res.text()}`);
  return json<SignupBody>(res);
}

export function me(credential: string): Promise<Response> {
  return api('/v1/me', { headers: { Authorization: `Bearer ${credential}`, 'cf-connecting-ip': freshIp() } });
}

export function refresh(refreshToken: string, ip = freshIp()): Promise<Response> {
  return postJson('/v1/auth/refresh', { refreshToken }, ip);
}
