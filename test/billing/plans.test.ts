import { describe, expect, it } from 'vitest';
import { PLAN_IDS, PLANS } from '../../src/billing/plans';
import { api, json } from '../helpers';

describe('GET /v1/plans', () => {
  it('lists every plan from the price table, with decimal fees and null for unlimited', async () => {
    const res = await api('/v1/plans', { headers: { 'CF-Connecting-IP': '192.0.2.250' } });
    expect(res.status).toBe(200);
    const body = await json<{ data: Array<Record<string, unknown>>; anonymous: { requestsPerMinute: number } }>(res);
    expect(body.data.map((p) => p.id)).toEqual([...PLAN_IDS]);
    expect(body.data.find((p) => p.id === 'free')).toEqual({ id: 'free', name: 'Free', monthlyFeeUsd: 0, requestsPerMinute: 10, concurrentDeployments: 1, liveConnections: 10, alerts: 3 });
    expect(body.data.find((p) => p.id === 'pro')).toMatchObject({ monthlyFeeUsd: PLANS.pro.monthlyFeeMicroUsd! / 1e6, requestsPerMinute: 100, concurrentDeployments: 5 });
    expect(body.data.find((p) => p.id === 'enterprise')).toMatchObject({ monthlyFeeUsd: null, requestsPerMinute: 1000, concurrentDeployments: null });
    expect(body.anonymous.requestsPerMinute).toBeGreaterThanOrEqual(1);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await json<{ paths: Record<string, unknown> }>(await api('/openapi.json'));
    expect(doc.paths['/v1/plans']).toHaveProperty('get');
  });
});
