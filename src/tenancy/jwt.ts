// Access tokens: ES256 JWTs signed with jose. The algorithm is pinned when verifying, issuer and
// audience are checked, and the key id travels in the header so keys can rotate. The private key is
// a JWK in the `JWT_PRIVATE_KEY` secret; its public half is served at /.well-known/jwks.json.
import { exportJWK, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import type { Bindings } from '../env';
import type { Role } from './principal';

export const ACCESS_TOKEN_SECONDS = 15 * 60;
export const JWT_ALG = 'ES256';
export const JWT_ISSUER = 'https://api.gpubroker.dev';
export const JWT_AUDIENCE = 'gpubroker-api';

export interface AccessClaims {
  sub: string;
  tid: string;
  role: Role;
}

interface KeyMaterial {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  /** Extra public keys (old kids during rotation) accepted for verification. */
  verifyKeys: Map<string, CryptoKey>;
}

export class JwtConfigError extends Error {}

let cached: { source: string; material: Promise<KeyMaterial> } | undefined;

async function load(privateJson: string, extraJson: string | undefined): Promise<KeyMaterial> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(privateJson) as JWK;
  } catch {
    throw new JwtConfigError('JWT_PRIVATE_KEY is not a JSON Web Key');
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.kid) {
    throw new JwtConfigError('JWT_PRIVATE_KEY must be an EC P-256 private JWK with a kid');
  }
  const privateKey = (await importJWK({ ...jwk, alg: JWT_ALG }, JWT_ALG)) as CryptoKey;
  const { d: _d, ...publicOnly } = jwk;
  const publicKey = (await importJWK({ ...publicOnly, alg: JWT_ALG }, JWT_ALG)) as CryptoKey;
  const publicJwk = { ...(await exportJWK(publicKey)), kid: jwk.kid, alg: JWT_ALG, use: 'sig' };
  const verifyKeys = new Map<string, CryptoKey>([[jwk.kid, publicKey]]);
  if (extraJson) {
    for (const extra of JSON.parse(extraJson) as JWK[]) {
      if (extra.kid && extra.kty === 'EC' && !extra.d) verifyKeys.set(extra.kid, (await importJWK({ ...extra, alg: JWT_ALG }, JWT_ALG)) as CryptoKey);
    }
  }
  return { kid: jwk.kid, privateKey, publicKey, publicJwk, verifyKeys };
}

function material(env: Bindings): Promise<KeyMaterial> {
  const privateJson = typeof env.JWT_PRIVATE_KEY === 'string' ? env.JWT_PRIVATE_KEY : '';
  const extra = typeof env.JWT_PUBLIC_KEYS === 'string' ? env.JWT_PUBLIC_KEYS : undefined;
  if (!privateJson) throw new JwtConfigError('JWT_PRIVATE_KEY is not set');
  const source = privateJson + '\n' + (extra ?? '');
  if (!cached || cached.source !== source) cached = { source, material: load(privateJson, extra) };
  return cached.material;
}

export async function signAccessToken(env: Bindings, claims: AccessClaims, now = Date.now()): Promise<string> {
  const key = await material(env);
  const iat = Math.floor(now / 1000);
  return new SignJWT({ tid: claims.tid, role: claims.role })
    .setProtectedHeader({ alg: JWT_ALG, kid: key.kid, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_SECONDS)
    .setJti(crypto.randomUUID())
    .sign(key.privateKey);
}

/** Verifies signature (ES256 only, key chosen by kid), issuer, audience, exp and nbf. Throws on any failure. */
export async function verifyAccessToken(env: Bindings, token: string): Promise<AccessClaims & { exp: number }> {
  const key = await material(env);
  const { payload } = await jwtVerify(
    token,
    async (header) => {
      const found = header.kid ? key.verifyKeys.get(header.kid) : undefined;
      if (!found) throw new Error('unknown key id');
      return found;
    },
    { algorithms: [JWT_ALG], issuer: JWT_ISSUER, audience: JWT_AUDIENCE, clockTolerance: 5, requiredClaims: ['sub', 'exp', 'iat'] },
  );
  if (typeof payload.sub !== 'string' || typeof payload.tid !== 'string' || typeof payload.role !== 'string') {
    throw new Error('token lacks sub, tid or role');
  }
  return { sub: payload.sub, tid: payload.tid, role: payload.role as Role, exp: payload.exp! };
}

/** The JWKS document: every public key that verifies our tokens. */
export async function jwks(env: Bindings): Promise<{ keys: JWK[] }> {
  const key = await material(env);
  const keys: JWK[] = [key.publicJwk];
  for (const [kid, publicKey] of key.verifyKeys) {
    if (kid !== key.kid) keys.push({ ...(await exportJWK(publicKey)), kid, alg: JWT_ALG, use: 'sig' });
  }
  return { keys };
}
