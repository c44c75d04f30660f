// Password hashing: PBKDF2-SHA256 through WebCrypto, salted, with its parameters stored in the hash
// (`pbkdf2-sha256$<iterations>$<salt>$<hash>`) so the cost can be raised later and old hashes still
// verify. 100,000 iterations is the most workerd allows for PBKDF2.

export const PASSWORD_ITERATIONS = 100_000;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
const KEY_BITS = 256;

import { fromBase64, toBase64Url } from '../encoding';
import { constantTimeEqual } from './secrets';

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, KEY_BITS);
  return toBase64Url(new Uint8Array(bits));
}

export async function hashPassword(password: string, iterations = PASSWORD_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${iterations}$${toBase64Url(salt)}$${await derive(password, salt, iterations)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterText, saltText, hash] = stored.split('$');
  const iterations = Number(iterText);
  if (scheme !== 'pbkdf2-sha256' || !Number.isInteger(iterations) || iterations < 1 || !saltText || !hash) return false;
  return constantTimeEqual(await derive(password, fromBase64(saltText), iterations), hash);
}

/** True when a stored hash was made with fewer iterations than today's setting. */
export function needsRehash(stored: string): boolean {
  return Number(stored.split('$')[1]) < PASSWORD_ITERATIONS;
}

/** A hash of a random password, verified against when an email is unknown so timing does not tell. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  return dummyHash;
}
