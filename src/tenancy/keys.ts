// API key material: `gpb_live_` + 32 random bytes in base64url. Only the SHA-256 and a short preview
// are stored, so a leaked database does not leak usable keys.
import { randomToken, sha256Hex } from './secrets';

export const API_KEY_PREFIX = 'gpb_live_';
const API_KEY_PATTERN = /^gpb_live_[A-Za-z0-9_-]{43}$/;

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export function isWellFormedApiKey(token: string): boolean {
  return API_KEY_PATTERN.test(token);
}

export interface NewApiKey {
  /** The whole key: shown once, never stored. */
  key: string;
  hash: string;
  preview: string;
}

export async function generateApiKey(): Promise<NewApiKey> {
  const key = API_KEY_PREFIX + randomToken(32);
  return { key, hash: await sha256Hex(key), preview: `${key.slice(0, API_KEY_PREFIX.length + 4)}…${key.slice(-4)}` };
}

export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}
