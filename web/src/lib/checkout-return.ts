// The checkout return page's state machine, pure. The provider sends the payer back before or after
// its signed webhook reaches us, so a "success" return first shows the order as pending and reads it
// again with backoff until it is paid (or says it is taking long); a cancelled return reads it once.
import type { Payment, PaymentStatus } from './types';

export type ReturnResult = 'success' | 'cancelled';

export type ReturnState =
  | { kind: 'invalid' }
  | { kind: 'checking' }
  | { kind: 'waiting'; payment: Payment; attempt: number }
  | { kind: 'slow'; payment: Payment }
  | { kind: 'paid'; payment: Payment }
  | { kind: 'cancelled'; payment: Payment }
  | { kind: 'failed'; payment: Payment }
  | { kind: 'error'; message: string };

const ORDER_ID = /^pay_[0-9a-z]{16}$/;
/** Reads of a pending order before the page stops polling and offers a manual check. */
export const MAX_POLLS = 12;
const CREDITED: ReadonlySet<PaymentStatus> = new Set(['paid', 'partially_refunded', 'refunded', 'disputed']);

/** The order id and outcome the provider returned with, or null when the link is not one of ours. */
export function readReturn(query: URLSearchParams): { orderId: string; result: ReturnResult } | null {
  const orderId = query.get('order') ?? '';
  const result = query.get('result');
  if (!ORDER_ID.test(orderId)) return null;
  // PayPal and Stripe send "cancel"/"cancelled" variants through our own URLs; anything else is a success return.
  return { orderId, result: result === 'cancelled' || result === 'cancel' ? 'cancelled' : 'success' };
}

/** Delay before read number `attempt` (0-based) of a pending order: 1 s, 1.5 s, 2.3 s … at most 8 s. */
export function pollDelayMs(attempt: number): number {
  return Math.min(8000, Math.round(1000 * 1.5 ** attempt));
}

/**
 * The state after reading the order (`attempt` reads done before this one), and when to read again
 * (null: stop). A credited order is paid whatever the return said: the payer may have paid and
 * then pressed Back to the cancel link.
 */
export function afterRead(result: ReturnResult, payment: Payment, attempt: number): { state: ReturnState; pollInMs: number | null } {
  if (CREDITED.has(payment.status)) return { state: { kind: 'paid', payment }, pollInMs: null };
  if (payment.status === 'failed') return { state: { kind: 'failed', payment }, pollInMs: null };
  if (result === 'cancelled') return { state: { kind: 'cancelled', payment }, pollInMs: null };
  if (attempt + 1 >= MAX_POLLS) return { state: { kind: 'slow', payment }, pollInMs: null };
  return { state: { kind: 'waiting', payment, attempt: attempt + 1 }, pollInMs: pollDelayMs(attempt) };
}

/** After a failed read: a 404 means the order is not this tenant's; other errors keep polling while there are reads left. */
export function afterError(status: number, message: string, attempt: number, previous: ReturnState): { state: ReturnState; pollInMs: number | null } {
  if (status === 404 || status === 400) return { state: { kind: 'invalid' }, pollInMs: null };
  if ((previous.kind === 'waiting' || previous.kind === 'checking') && attempt + 1 < MAX_POLLS) {
    return { state: previous.kind === 'checking' ? { kind: 'checking' } : { ...previous, attempt: attempt + 1 }, pollInMs: pollDelayMs(attempt) };
  }
  return { state: { kind: 'error', message }, pollInMs: null };
}

/** Where the payer was going when they chose to add credit (kept in sessionStorage by the checkout). */
export const RETURN_PATH_KEY = 'gpb.checkout.return';

/** Only paths of this app are followed back (no open redirect through the storage). */
export function safeReturnPath(path: string | null): string | null {
  return path && /^\/(?!\/)[^\s\\]*$/.test(path) && !path.startsWith('/checkout/') ? path : null;
}
