// Billing periods are calendar months in UTC: invoices, subscription fees, the monthly spend cap.

export function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The first instant of the month after the one holding `now`. */
export function nextMonthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The month before the one holding `now`: [start, end). */
export function previousMonth(now: number): { start: number; end: number } {
  const end = monthStart(now);
  return { start: monthStart(end - 1), end };
}
