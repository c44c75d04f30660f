import { describe, expect, it } from 'vitest';
import readme from '../README.md?raw';
import { CONFIG_DOCS, ConfigError, readConfig } from '../src/env';
import { api, testEnv } from './helpers';

describe('configuration', () => {
  it('documents every setting in the README table', () => {
    for (const { name } of CONFIG_DOCS) expect(readme).toContain(`| \`${name}\` |`);
  });

  it('applies defaults and reads overrides', () => {
    const config = readConfig(testEnv({ SIM_OFFERS: '1234', PROVIDERS_DISABLED: 'VastAI, sim', CIRCUIT_FAILURE_THRESHOLD: '' }));
    expect(config.SIM_OFFERS).toBe(1234);
    expect([...config.disabledProviders]).toEqual(['vastai', 'sim']);
    expect(config.CIRCUIT_FAILURE_THRESHOLD).toBe(3);
    expect(config.STALE_AFTER_SECONDS).toBe(600);
  });

  it('names each bad setting', () => {
    expect(() => readConfig(testEnv({ SIM_OFFERS: 'lots', SIM_ENABLED: 'perhaps' }))).toThrow(ConfigError);
    expect(() => readConfig(testEnv({ SIM_OFFERS: 'lots' }))).toThrow(/SIM_OFFERS/);
    expect(() => readConfig(testEnv({ SIM_ENABLED: 'perhaps' }))).toThrow(/SIM_ENABLED/);
  });

  it('answers requests with a problem naming the setting when the deployment is misconfigured', async () => {
    const { default: worker } = await import('../src/index');
    const res = await worker.fetch(new Request('http://gpubroker.test/v1/offers'), testEnv({ PROVIDER_TIMEOUT_MS: '-5' }), {
      waitUntil() {},
      passThroughOnException() {},
      props: {},
    } as unknown as ExecutionContext);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ title: 'Server misconfigured', detail: expect.stringContaining('PROVIDER_TIMEOUT_MS') });
    expect((await api('/healthz')).status).toBe(200);
  });
});
