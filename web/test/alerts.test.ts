import { describe, expect, it } from 'vitest';
import { alertBody, deliveryOutcome, describeRule, emptyAlertForm, parseCountries, type AlertFormValues } from '../src/lib/alerts';
import type { AlertDelivery, AlertRule } from '../src/lib/types';

const form = (over: Partial<AlertFormValues> = {}): AlertFormValues => ({ ...emptyAlertForm(), gpu: 'H100-80GB', maxPricePerGpuHour: '2.50', ...over });

describe('alert form → POST /v1/alerts body', () => {
  it('sends only what was set: a live alert with all pricing types leaves pricing to the default', () => {
    expect(alertBody(form())).toEqual({ body: { rule: { gpu: 'H100-80GB', maxPricePerGpuHour: 2.5 }, delivery: { type: 'live' } }, errors: null });
  });

  it('carries every filter in the API names, countries upper-cased and de-duplicated', () => {
    const r = alertBody(
      form({ name: '  cheap 8x  ', maxPricePerGpuHour: '$1.99', minGpuCount: '8', maxGpuCount: '8', pricing: ['spot', 'on_demand'], region: 'eu-', countries: 'de, fr DE', availableOnly: true, channel: 'webhook', url: ' https://hooks.example.com/gpu ' }),
    );
    expect(r.errors).toBeNull();
    expect(r.body).toEqual({
      name: 'cheap 8x',
      rule: { gpu: 'H100-80GB', maxPricePerGpuHour: 1.99, minGpuCount: 8, maxGpuCount: 8, pricing: ['on_demand', 'spot'], region: 'eu-', countries: ['DE', 'FR'], minAvailability: 'available' },
      delivery: { type: 'webhook', url: 'https://hooks.example.com/gpu' },
    });
  });

  it('names each field the API would refuse', () => {
    const r = alertBody({ ...emptyAlertForm(), name: 'x'.repeat(101), minGpuCount: '8', maxGpuCount: '4', pricing: [], region: 'eu west', countries: 'Germany', channel: 'webhook', url: 'ftp://example.com' });
    expect(r.body).toBeNull();
    expect(Object.keys(r.errors!).sort()).toEqual(['countries', 'gpu', 'maxGpuCount', 'maxPricePerGpuHour', 'name', 'pricing', 'region', 'url']);
  });

  it('refuses a zero, negative, non-numeric or too high price, and a fractional or out-of-range GPU count', () => {
    for (const price of ['0', '-1', 'abc', '10001', '1e3']) expect(alertBody(form({ maxPricePerGpuHour: price })).errors).toHaveProperty('maxPricePerGpuHour');
    expect(alertBody(form({ maxPricePerGpuHour: '10000' })).errors).toBeNull();
    for (const n of ['0', '1.5', '1025', 'two']) expect(alertBody(form({ minGpuCount: n })).errors).toHaveProperty('minGpuCount');
  });

  it('asks for a webhook URL only when the webhook channel is chosen', () => {
    expect(alertBody(form({ channel: 'live', url: 'not a url' })).errors).toBeNull();
    expect(alertBody(form({ channel: 'webhook', url: '' })).errors).toHaveProperty('url');
    expect(alertBody(form({ channel: 'webhook', url: '/relative' })).errors).toHaveProperty('url');
    expect(alertBody(form({ channel: 'webhook', url: `https://example.com/${'a'.repeat(2048)}` })).errors).toHaveProperty('url');
  });

  it('parses country lists', () => {
    expect(parseCountries('us,ca;  mx')).toEqual(['US', 'CA', 'MX']);
    expect(parseCountries('USA')).toBeNull();
  });
});

describe('alert display', () => {
  const rule: AlertRule = { gpuModel: 'H100-80GB', minGpuCount: 1, maxGpuCount: null, maxPricePerGpuHourUsd: 2.5, pricing: ['on_demand', 'spot', 'interruptible'], region: null, countries: null, minAvailability: 'limited' };

  it('describes a rule in one line, mentioning only the filters that narrow it', () => {
    expect(describeRule(rule)).toBe('H100-80GB at ≤ $2.50/GPU·h');
    expect(describeRule({ ...rule, minGpuCount: 8, maxGpuCount: 8, pricing: ['on_demand'], region: 'eu-', countries: ['DE', 'FR'], minAvailability: 'available' })).toBe(
      '8× H100-80GB at ≤ $2.50/GPU·h · On-demand · region eu-* · DE, FR · available only',
    );
    expect(describeRule({ ...rule, minGpuCount: 2, maxPricePerGpuHourUsd: 0.45 })).toBe('2+× H100-80GB at ≤ $0.450/GPU·h');
    expect(describeRule({ ...rule, minGpuCount: 2, maxGpuCount: 4 })).toBe('2–4× H100-80GB at ≤ $2.50/GPU·h');
  });

  it('says what happened to a delivery', () => {
    const d: AlertDelivery = { id: 'msg_1', alertId: 'alr_1', kind: 'webhook', status: 'delivered', offerCount: 3, offerIds: [], attempts: 1, lastStatusCode: 200, lastError: null, sockets: null, createdAt: '', deliveredAt: '', failedAt: null, attemptLog: [] };
    expect(deliveryOutcome(d)).toBe('delivered (HTTP 200) after 1 attempt');
    expect(deliveryOutcome({ ...d, status: 'failed', attempts: 5, lastStatusCode: 500, lastError: null })).toBe('failed after 5 attempts: HTTP 500');
    expect(deliveryOutcome({ ...d, status: 'pending', attempts: 2, lastStatusCode: 503 })).toBe('retrying (2 attempts so far, last HTTP 503)');
    expect(deliveryOutcome({ ...d, status: 'pending', attempts: 0, lastStatusCode: null })).toBe('queued');
    expect(deliveryOutcome({ ...d, kind: 'live', sockets: 1, lastStatusCode: null })).toBe('sent live to 1 connection');
  });
});
