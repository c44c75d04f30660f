import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config';
import { silentLogger } from '../src/log';
import { createProviders } from '../src/providers/registry';
import { systemClock } from '../src/clock';

const SECRET = 'x'.repeat(32);

describe('agent settings', () => {
  it('default everything but the secret', () => {
    const result = parseConfig({ AGENT_SECRET: SECRET });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      port: 8788,
      pollMs: 1000,
      providerTimeoutMs: 15_000,
      callback: { backoffMs: 500, retryBudgetMs: 60_000 },
      sim: { enabled: true, seed: 'gpubroker', bootMs: 3000, noCapacityRate: 0.1, noCapacityOffers: [], preemptAfterMs: 120_000, preemptRate: 0.1 },
    });
  });

  it('require AGENT_SECRET and name it', () => {
    expect(parseConfig({})).toEqual({ ok: false, errors: [expect.stringMatching(/^AGENT_SECRET: /)] });
    expect(parseConfig({ AGENT_SECRET: 'short' })).toEqual({ ok: false, errors: ['AGENT_SECRET: must be at least 16 characters'] });
  });

  it('name a bad setting without echoing its value', () => {
    const result = parseConfig({ AGENT_SECRET: SECRET, PORT: 'eighty', SIM_PREEMPT_RATE: '2' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.split(':')[0])).toEqual(['PORT', 'SIM_PREEMPT_RATE']);
    expect(result.errors.join(' ')).not.toContain('eighty');
  });

  it('take AGENT_PORT over PORT, so a parent process can keep PORT for the Worker', () => {
    const result = parseConfig({ AGENT_SECRET: SECRET, PORT: '8787', AGENT_PORT: '9999' });
    expect(result.ok && result.config.port).toBe(9999);
  });

  it('read comma lists and treat empty variables as unset', () => {
    const result = parseConfig({ AGENT_SECRET: SECRET, SIM_NO_CAPACITY_OFFERS: 'a, b,,c', PORT: '' });
    expect(result.ok && result.config.sim.noCapacityOffers).toEqual(['a', 'b', 'c']);
    expect(result.ok && result.config.port).toBe(8788);
  });

  it('configure a real provider only when its key is set, and the sim unless switched off', () => {
    const build = (env: Record<string, string>) => {
      const result = parseConfig({ AGENT_SECRET: SECRET, ...env });
      if (!result.ok) throw new Error(result.errors.join());
      return [...createProviders(result.config, { fetch, clock: systemClock, log: silentLogger }).keys()];
    };
    expect(build({})).toEqual(['sim']);
    expect(build({ RUNPOD_API_KEY: 'k', VASTAI_API_KEY: 'k', LAMBDA_API_KEY: 'k' })).toEqual(['sim', 'runpod', 'vastai', 'lambda']);
    expect(build({ SIM_ENABLED: 'false', LAMBDA_API_KEY: 'k' })).toEqual(['lambda']);
  });
});
