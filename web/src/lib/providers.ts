// Provider analytics for display, pure: the price index in words, a health tone, the table order.
import type { ProviderAnalytics } from './types';

/** "8% below market", "at market", "12% above market" for a price index (1 = the market median). */
export function describeIndex(index: number | null): { text: string; tone: 'cheap' | 'dear' | '' } {
  if (index === null || !Number.isFinite(index)) return { text: 'no comparable offers', tone: '' };
  const pct = Math.round((index - 1) * 100);
  if (pct === 0) return { text: 'at market', tone: '' };
  return pct < 0 ? { text: `${-pct}% below market`, tone: 'cheap' } : { text: `${pct}% above market`, tone: 'dear' };
}

export function healthTone(status: ProviderAnalytics['health']['status']): string {
  return status === 'healthy' ? 'green' : status === 'degraded' ? 'amber' : status === 'down' ? 'red' : '';
}

/** Enabled providers first, the most offers first among them; the rest by name. */
export function sortProviders(rows: readonly ProviderAnalytics[]): ProviderAnalytics[] {
  return [...rows].sort((a, b) => Number(b.enabled) - Number(a.enabled) || b.offers - a.offers || a.name.localeCompare(b.name));
}
