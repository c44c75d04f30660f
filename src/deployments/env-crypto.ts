// Deployment env values are secrets: sealed with AES-GCM under DEPLOY_ENV_KEY (a secret binding),
// bound to their deployment id as additional data so a ciphertext cannot be moved to another row.
// They are opened only to hand them to the agent over a signed request, never returned or logged.
import { fromBase64, fromUtf8, toBase64Url, utf8 } from '../encoding';

const VERSION = 'v1';

export class EnvKeyError extends Error {}

async function importKey(keyB64: string | undefined): Promise<CryptoKey> {
  if (!keyB64) throw new EnvKeyError('DEPLOY_ENV_KEY is not set: deployments with env cannot be created');
  let raw: Uint8Array;
  try {
    raw = fromBase64(keyB64.trim());
  } catch {
    throw new EnvKeyError('DEPLOY_ENV_KEY is not base64');
  }
  if (raw.byteLength !== 32) throw new EnvKeyError('DEPLOY_ENV_KEY must be 32 bytes (AES-256), base64-encoded');
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export async function sealEnv(keyB64: string | undefined, deploymentId: string, env: Record<string, string>): Promise<string> {
  const key = await importKey(keyB64);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(deploymentId) }, key, utf8(JSON.stringify(env)));
  return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

export async function openEnv(keyB64: string | undefined, deploymentId: string, sealed: string): Promise<Record<string, string>> {
  const [version, iv, body] = sealed.split('.');
  if (version !== VERSION || !iv || !body) throw new EnvKeyError('unknown env ciphertext format');
  const key = await importKey(keyB64);
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(iv), additionalData: utf8(deploymentId) }, key, fromBase64(body));
  return JSON.parse(fromUtf8(new Uint8Array(plain))) as Record<string, string>;
}
