// Price alerts, pure: the create form's values → the POST /v1/alerts body, with the checks the API
// would make named per field first; a rule and a delivery in one line of words for the list.
import { formatPrice, pricingLabel } from './format';
import type { AlertDelivery, AlertRule, Pricing } from './types';

export const ALERT_PRICING: readonly Pricing[] = ['on_demand', 'spot', 'interruptible'];
/** The API refuses longer webhook URLs. */
export const MAX_WEBHOOK_URL = 2048;

export interface AlertFormValues {
  name: string;
  gpu: string;
  maxPricePerGpuHour: string;
  minGpuCount: string;
  maxGpuCount: string;
  pricing: Pricing[];
  region: string;
  countries: string;
  availableOnly: boolean;
  channel: 'live' | 'webhook';
  url: string;
}

export interface AlertBody {
  name?: string;
  rule: {
    gpu: string;
    maxPricePerGpuHour: number;
    minGpuCount?: number;
    maxGpuCount?: number;
    pricing?: Pricing[];
    region?: string;
    countries?: string[];
    minAvailability?: 'available';
  };
  delivery: { type: 'live' } | { type: 'webhook'; url: string };
}

export function emptyAlertForm(): AlertFormValues {
  return { name: '', gpu: '', maxPricePerGpuHour: '', minGpuCount: '', maxGpuCount: '', pricing: [...ALERT_PRICING], region: '', countries: '', availableOnly: false, channel: 'live', url: '' };
}

/** "DE, fr de" → ['DE', 'FR'], or null when one of them is not a two-letter code. */
export function parseCountries(text: string): string[] | null {
  const items = text.split(/[\s,;]+/).filter(Boolean);
  if (!items.every((c) => /^[A-Za-z]{2}$/.test(c))) return null;
  return [...new Set(items.map((c) => c.toUpperCase()))];
}

/** The request body, or the problems per field (named as the form's inputs) when there are any. */
export function alertBody(v: AlertFormValues): { body: AlertBody; errors: null } | { body: null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const name = v.name.trim();
  if (name.length > 100) errors.name = 'At most 100 characters.';
  const gpu = v.gpu.trim();
  if (!gpu) errors.gpu = 'Which GPU should the alert watch?';
  else if (gpu.length > 64) errors.gpu = 'At most 64 characters.';

  const priceText = v.maxPricePerGpuHour.trim().replace(/^\$/, '');
  const price = Number(priceText);
  if (!priceText) errors.maxPricePerGpuHour = 'The price per GPU-hour at or under which to fire.';
  else if (!/^\d*\.?\d+$/.test(priceText) || !(price > 0) || price > 10_000) errors.maxPricePerGpuHour = 'A price above $0, at most $10,000, e.g. 2.50.';

  const count = (field: 'minGpuCount' | 'maxGpuCount', text: string): number | undefined => {
    if (!text.trim()) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 1024) {
      errors[field] = 'A whole number from 1 to 1024.';
      return undefined;
    }
    return n;
  };
  const minGpuCount = count('minGpuCount', v.minGpuCount);
  const maxGpuCount = count('maxGpuCount', v.maxGpuCount);
  if (minGpuCount !== undefined && maxGpuCount !== undefined && maxGpuCount < minGpuCount) errors.maxGpuCount = 'At least the minimum.';

  const pricing = ALERT_PRICING.filter((p) => v.pricing.includes(p));
  if (pricing.length === 0) errors.pricing = 'Tick at least one pricing type.';

  const region = v.region.trim();
  if (region && !/^[A-Za-z0-9._-]{1,64}$/.test(region)) errors.region = 'A region prefix: letters, digits, dot, dash or underscore, e.g. eu- or us-east.';

  const countries = v.countries.trim() ? parseCountries(v.countries) : [];
  if (countries === null) errors.countries = 'Two-letter country codes separated by commas, e.g. DE, FR.';
  else if (countries.length > 50) errors.countries = 'At most 50 countries.';

  let delivery: AlertBody['delivery'] = { type: 'live' };
  if (v.channel === 'webhook') {
    const url = v.url.trim();
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (!url) errors.url = 'The https address GPUBroker should POST fired alerts to.';
    else if (url.length > MAX_WEBHOOK_URL) errors.url = `At most ${MAX_WEBHOOK_URL} characters.`;
    else if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) errors.url = 'An absolute https URL, e.g. https://hooks.example.com/gpu.';
    else delivery = { type: 'webhook', url };
  }

  if (Object.keys(errors).length) return { body: null, errors };
  const rule: AlertBody['rule'] = { gpu, maxPricePerGpuHour: price };
  if (minGpuCount !== undefined) rule.minGpuCount = minGpuCount;
  if (maxGpuCount !== undefined) rule.maxGpuCount = maxGpuCount;
  // All types ticked is the API's default: leave it out.
  if (pricing.length < ALERT_PRICING.length) rule.pricing = pricing;
  if (region) rule.region = region;
  if (countries && countries.length) rule.countries = countries;
  if (v.availableOnly) rule.minAvailability = 'available';
  return { body: { ...(name ? { name } : {}), rule, delivery }, errors: null };
}

/** "8–8× H100-80GB at ≤ $2.500/GPU·h · On-demand · region eu- · DE, FR · available only". */
export function describeRule(r: AlertRule): string {
  const counts =
    r.maxGpuCount === null ? (r.minGpuCount > 1 ? `${r.minGpuCount}+× ` : '') : r.maxGpuCount === r.minGpuCount ? `${r.minGpuCount}× ` : `${r.minGpuCount}–${r.maxGpuCount}× `;
  const parts = [`${counts}${r.gpuModel} at ≤ ${formatPrice(r.maxPricePerGpuHourUsd)}/GPU·h`];
  if (r.pricing.length < ALERT_PRICING.length) parts.push(r.pricing.map(pricingLabel).join(', '));
  if (r.region) parts.push(`region ${r.region}*`);
  if (r.countries?.length) parts.push(r.countries.join(', '));
  if (r.minAvailability === 'available') parts.push('available only');
  return parts.join(' · ');
}

/** What happened to one delivery, in words. */
export function deliveryOutcome(d: AlertDelivery): string {
  const code = d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : null;
  if (d.kind === 'live') {
    if (d.status === 'delivered') return `sent live to ${d.sockets ?? 0} ${d.sockets === 1 ? 'connection' : 'connections'}`;
    return d.status === 'failed' ? `not sent${d.lastError ? `: ${d.lastError}` : ''}` : 'queued';
  }
  const tries = `${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}`;
  if (d.status === 'delivered') return `delivered${code ? ` (${code})` : ''} after ${tries}`;
  if (d.status === 'failed') return `failed after ${tries}${d.lastError ? `: ${d.lastError}` : code ? `: ${code}` : ''}`;
  return d.attempts ? `retrying (${tries} so far${code ? `, last ${code}` : d.lastError ? `, last: ${d.lastError}` : ''})` : 'queued';
}

export function deliveryTone(status: AlertDelivery['status']): string {
  return status === 'delivered' ? 'green' : status === 'failed' ? 'red' : 'amber';
}
