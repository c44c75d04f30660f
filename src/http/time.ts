// Times are epoch milliseconds inside and ISO 8601 at the API edge; these are the one conversion.

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));
