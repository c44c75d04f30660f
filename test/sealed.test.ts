import { describe, expect, it } from 'vitest';
import { openEnv, sealEnv, EnvKeyError } from '../src/deployments/env-crypto';
import { openSecret, sealSecret, SecretKeyError } from '../src/alerts/secret-box';

const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
const otherKey = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

describe('sealed secrets (deployment env, alert signing secrets)', () => {
  it('open what was sealed for the same row, and nothing sealed for another row or under another key', async () => {
    const env = await sealEnv(key, 'dep_1', { HF_TOKEN: 'hf_x' });
    expect(env).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(await openEnv(key, 'dep_1', env)).toEqual({ HF_TOKEN: 'hf_x' });
    await expect(openEnv(key, 'dep_2', env)).rejects.toThrow();
    await expect(openEnv(otherKey, 'dep_1', env)).rejects.toThrow();

    const secret = await sealSecret(key, 'alr_1', 'whsec_abc');
    expect(secret).not.toContain('whsec_abc');
    expect(await openSecret(key, 'alr_1', secret)).toBe('whsec_abc');
    await expect(openSecret(key, 'alr_2', secret)).rejects.toThrow(new SecretKeyError('the signing secret cannot be opened with ALERTS_SECRET_KEY (was the key changed?)'));
  });

  it('names the setting when the key is missing, not base64 or not 32 bytes, with each caller’s error type', async () => {
    await expect(sealEnv(undefined, 'dep_1', {})).rejects.toThrow(new EnvKeyError('DEPLOY_ENV_KEY is not set: deployments with env cannot be created'));
    await expect(sealEnv('%%%', 'dep_1', {})).rejects.toThrow(new EnvKeyError('DEPLOY_ENV_KEY is not base64'));
    await expect(sealSecret(btoa('short'), 'alr_1', 's')).rejects.toThrow(new SecretKeyError('ALERTS_SECRET_KEY must be 32 bytes (AES-256), base64-encoded'));
    await expect(openSecret(undefined, 'alr_1', 'v1.a.b')).rejects.toBeInstanceOf(SecretKeyError);
    await expect(openEnv(key, 'dep_1', 'v2.a.b')).rejects.toThrow(new EnvKeyError('unknown env ciphertext format'));
  });
});
