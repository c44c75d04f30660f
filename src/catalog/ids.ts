// Identifier helpers. Offer ids are derived from (provider, externalId) so every ingestion of the
// same offer upserts the same row; everything else gets a random prefixed id.

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Two independent 32-bit FNV-1a-style hashes of the key: 64 bits, ample for millions of offers. */
function hash64(key: string): Uint8Array {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a ^= a >>> 13;
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, a >>> 0);
  new DataView(out.buffer).setUint32(4, b >>> 0);
  return out;
}

/** The stable id of a provider's offer: `ofr_` + 13 base32 characters. */
export function offerId(provider: string, externalId: string): string {
  return 'ofr_' + base32(hash64(`${provider}\u0000${externalId}`));
}

/** A random id with the given prefix (`dep_`, `evt_`, …): 16 base32 characters, 80 random bits. */
export function randomId(prefix: string): string {
  return prefix + base32(crypto.getRandomValues(new Uint8Array(10)));
}
