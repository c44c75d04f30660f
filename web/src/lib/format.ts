// Display formatting, pure: prices, costs, ages, durations, labels. Prices keep a fixed number of
// decimals per magnitude so a column of them lines up in tabular numerals.

const usd2 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const usd3 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 3, maximumFractionDigits: 3 });
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dec1 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A price per hour: three decimals under $1 (GPU-hours are often cents), two from $1 on. */
export function formatPrice(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '—';
  return Math.abs(usd) < 1 ? usd3.format(usd) : usd2.format(usd);
}

/** Money spent or estimated: always two decimals, thousands separated. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '—';
  // Round half away from zero on cents first, so 0.005 shows as $0.01, not $0.00 (binary rounding).
  const cents = Math.sign(usd) * Math.round(Math.abs(usd) * 100 + 1e-9);
  return usd2.format(cents / 100);
}

/** "now", "12 s ago", "4 min ago", "3 h ago", "2 d ago" for an age in seconds. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 2) return 'now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** Seconds between an ISO time and `now` (ms), never negative (clocks disagree by a little). */
export function ageSeconds(iso: string, now: number): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : Math.max(0, (now - t) / 1000);
}

/** "45 s", "12 min", "3 h 05 min", "2 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

export function formatInt(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : int.format(n);
}

export function formatGb(gb: number | null | undefined): string {
  if (gb === null || gb === undefined) return '—';
  return gb >= 1000 ? `${dec1.format(gb / 1000)} TB` : `${dec1.format(gb)} GB`;
}

const dateTime = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
const dateOnly = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '—' : dateTime.format(t);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '—' : dateOnly.format(t);
}

export const PRICING_LABELS: Record<string, string> = { on_demand: 'On-demand', spot: 'Spot', interruptible: 'Interruptible' };
export const pricingLabel = (p: string) => PRICING_LABELS[p] ?? p;

export const AVAILABILITY_LABELS: Record<string, string> = { available: 'Available', limited: 'Limited', unavailable: 'Unavailable' };

/** Estimated cost of `hours` at `perHourUsd`, capped by a spend limit when one is set. */
export function estimateCost(perHourUsd: number, hours: number | null, maxSpendUsd: number | null): number | null {
  if (hours === null || !(hours > 0)) return maxSpendUsd;
  const raw = perHourUsd * hours;
  return maxSpendUsd !== null && maxSpendUsd > 0 ? Math.min(raw, maxSpendUsd) : raw;
}

/** Whether a price went up (1), down (-1) or stayed (0), to the tenth of a cent. */
export function priceDirection(oldUsd: number, newUsd: number): -1 | 0 | 1 {
  const d = Math.round((newUsd - oldUsd) * 1000);
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

const pct1 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 0 });

/** A share 0–1 as "42%", "99.5%"; one decimal only where it matters (under 10 % or over 99 %). */
export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—';
  const p = share * 100;
  const text = p > 0 && (p < 10 || (p > 99 && p < 100)) ? pct1.format(Math.round(p * 10) / 10) : int.format(Math.round(p));
  return `${text}%`;
}

/** A change in percent with its sign, "+3.2%", "−0.8%", "0%" (a true minus sign, so columns align). */
export function formatChangePercent(percent: number | null | undefined): string {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return '—';
  const rounded = Math.round(percent * 10) / 10;
  if (rounded === 0) return '0%';
  return `${rounded > 0 ? '+' : '−'}${pct1.format(Math.abs(rounded))}%`;
}

/** Money that moves a balance: "+$50.00" for credit, "−$3.20" for a charge. */
export function formatSignedCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '—';
  const text = formatCost(Math.abs(usd));
  if (text === '$0.00') return text;
  return usd > 0 ? `+${text}` : `−${text}`;
}

/** Hours of work: "45 min", "4 h", "12.5 h", "3.2 d" (above 72 h). */
export function formatHours(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours)) return '—';
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours > 72) return `${dec1.format(hours / 24)} d`;
  return `${dec1.format(hours)} h`;
}

/** A compact USD amount for chart axes and KPI cards: "$950", "$12.4k", "$1.2M". */
export function formatUsdCompact(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '—';
  const a = Math.abs(usd);
  const sign = usd < 0 ? '−' : '';
  if (a >= 1e6) return `${sign}$${dec1.format(a / 1e6)}M`;
  if (a >= 1e4) return `${sign}$${dec1.format(a / 1e3)}k`;
  if (a >= 100 || a === 0) return `${sign}$${int.format(a)}`;
  return `${sign}${usd2.format(a)}`;
}

/** A large count with its unit: "1 offer", "12 offers". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatInt(n)} ${n === 1 ? one : many}`;
}

/** A token count: "20k", "500M", "2B", "1.5T". */
export function formatTokens(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  for (const [scale, unit] of [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']] as const) if (n >= scale) return `${dec1.format(n / scale)}${unit}`;
  return int.format(n);
}
