// Small cryptographic helpers: hashing, constant-time comparison and random tokens (WebCrypto only).
import { toBase64Url, toHex, utf8 } from '../encoding';

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', utf8(text)));
}

/** Compares two strings in time that depends only on their lengths, never on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = utf8(a);
  const y = utf8(b);
  if (x.byteLength !== y.byteLength) {
    // Still spend the comparison so a length mismatch is not faster than a content mismatch.
    crypto.subtle.timingSafeEqual(x, x);
    return false;
  }
  return crypto.subtle.timingSafeEqual(x, y);
}

/** `bytes` random bytes as base64url. */
export function randomToken(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}
