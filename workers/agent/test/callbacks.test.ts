import { describe, expect, it } from 'vitest';
import { retryDelays } from '../src/callbacks';
import { nextTransition } from '../src/events';

describe('callback retries', () => {
  it('double from 0.5 s until they add up to about a minute', () => {
    const delays = retryDelays(500, 60_000);
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 32_000]);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(63_500);
  });

  it('are none when the budget is zero', () => {
    expect(retryDelays(500, 0)).toEqual([]);
  });
});

describe('which observation becomes which event', () => {
  const pod = (status: 'provisioning' | 'running' | 'stopped' | 'terminated' | 'failed', preempted?: boolean) => ({ podId: 'p', name: 'gpubroker-d', status, ...(preempted ? { preempted } : {}) });

  it('says nothing when the status did not change', () => {
    expect(nextTransition({ lastStatus: 'running', expected: 'running', pricing: 'on_demand' }, pod('running'))).toBeNull();
  });

  it('calls a stop that was asked for requested', () => {
    expect(nextTransition({ lastStatus: 'running', expected: 'stopped', pricing: 'spot' }, pod('stopped'))).toEqual({ status: 'stopped', reason: 'requested' });
  });

  it('calls an unasked stop of a running spot pod a preemption', () => {
    expect(nextTransition({ lastStatus: 'running', expected: 'running', pricing: 'spot' }, pod('stopped'))).toEqual({ status: 'preempted', reason: 'preempted' });
    expect(nextTransition({ lastStatus: 'running', expected: 'running', pricing: 'interruptible' }, pod('terminated'))).toEqual({ status: 'preempted', reason: 'preempted' });
  });

  it('calls an unasked stop of an on-demand pod unexpected, unless the provider says it was preempted', () => {
    expect(nextTransition({ lastStatus: 'running', expected: 'running', pricing: 'on_demand' }, pod('terminated'))).toEqual({ status: 'terminated', reason: 'unexpected' });
    expect(nextTransition({ lastStatus: 'running', expected: 'running', pricing: 'on_demand' }, pod('terminated', true))).toEqual({ status: 'preempted', reason: 'preempted' });
  });

  it('reports a provider failure as failed', () => {
    expect(nextTransition({ lastStatus: 'provisioning', expected: 'running', pricing: 'on_demand' }, pod('failed'))).toEqual({ status: 'failed', reason: 'provider_failed' });
  });
});
