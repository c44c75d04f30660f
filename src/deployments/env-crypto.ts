// Deployment env values are secrets: sealed (src/sealed.ts) under DEPLOY_ENV_KEY, bound to their
// deployment id. They are opened only to hand them to the agent over a signed request, never returned
// or logged.
import { open, seal, type SealingKey } from '../sealed';

export class EnvKeyError extends Error {}

const KEY: SealingKey = { setting: 'DEPLOY_ENV_KEY', missing: 'deployments with env cannot be created', error: EnvKeyError };

export function sealEnv(keyB64: string | undefined, deploymentId: string, env: Record<string, string>): Promise<string> {
  return seal(keyB64, KEY, deploymentId, JSON.stringify(env));
}

export async function openEnv(keyB64: string | undefined, deploymentId: string, sealed: string): Promise<Record<string, string>> {
  return JSON.parse(await open(keyB64, KEY, deploymentId, sealed, 'env')) as Record<string, string>;
}
