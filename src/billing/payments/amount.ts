// Money at the payment edge, exactly: the amount a user types at checkout (decimal USD, at most two
// places), Stripe's integer cents and PayPal's decimal strings. No float arithmetic touches money here.

export const MICRO_PER_CENT = 10_000;
export const CHECKOUT_MIN_CENTS = 5_00;
export const CHECKOUT_MAX_CENTS = 10_000_00;

/**
 * Cents of a JSON number lexeme written as a plain decimal with at most two places (`50`, `50.5`,
 * `50.25`); null for anything else: a sign, an exponent (`5e1`), more places, or not a number.
 */
export function centsFromUsdLexeme(lexeme: string): number | null {
  const m = /^(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?$/.exec(lexeme);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Cents of a provider's decimal amount string (PayPal `"50.00"`); null when it is not a plain non-negative amount. */
export function centsFromDecimalString(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(value);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Stripe amounts are integers in the smallest unit; anything else (a string, a fraction, a negative) is null. */
export function centsFromInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER / MICRO_PER_CENT ? value : null;
}

/** `5000` → `"50.00"`, the form PayPal amounts and our messages use. */
export function centsToDecimalString(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

export const centsToMicro = (cents: number): number => cents * MICRO_PER_CENT;

/**
 * The source text of the top-level `key` number in a JSON document, so a checkout can refuse `5e1` or
 * `50.001` that JSON.parse would quietly turn into 50 or 50.001. Uses JSON.parse source access (the
 * reviver's third argument, as workerd's V8 provides it). Undefined when the key is absent or not a number;
 * throws SyntaxError on invalid JSON.
 */
export function topLevelNumberSource(text: string, key: string): string | undefined {
  const sources = new Map<object, string>();
  let root: unknown;
  const reviver = function (this: object, k: string, value: unknown, context?: { source?: string }) {
    if (k === key && typeof value === 'number' && context?.source !== undefined) sources.set(this, context.source);
    if (k === '') root = value;
    return value;
  };
  JSON.parse(text, reviver as (this: unknown, key: string, value: unknown) => unknown);
  return typeof root === 'object' && root !== null ? sources.get(root) : undefined;
}
