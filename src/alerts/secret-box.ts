// Webhook signing secrets at rest: sealed (src/sealed.ts) under ALERTS_SECRET_KEY, bound to their
// alert id. The secret is shown once, in the create answer; afterwards only the delivery consumer
// opens it.
import { open, seal, type SealingKey } from '../sealed';

export class SecretKeyError extends Error {}

const KEY: SealingKey = { setting: 'ALERTS_SECRET_KEY', missing: 'webhook alerts cannot be created or signed', error: SecretKeyError };

export function sealSecret(keyB64: string | undefined, alertId: string, secret: string): Promise<string> {
  return seal(keyB64, KEY, alertId, secret);
}

export async function openSecret(keyB64: string | undefined, alertId: string, sealed: string): Promise<string> {
  try {
    return await open(keyB64, KEY, alertId, sealed, 'secret');
  } catch (err) {
    if (err instanceof SecretKeyError) throw err;
    throw new SecretKeyError('the signing secret cannot be opened with ALERTS_SECRET_KEY (was the key changed?)');
  }
}
