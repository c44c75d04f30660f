// What a webhook means for one of our orders, as pure functions: a provider event becomes an Intent
// (stripe-events.ts, paypal-events.ts), and `decide` turns an intent and the order's current state into
// a Decision — credit, refund, dispute, a note, a mismatch to alert on, or "try again later". No
// bindings here: apply.ts carries decisions out, one compare-and-set D1 batch each.
import type { LedgerAccount, LedgerKind } from '../ledger';
import { centsToMicro } from './amount';
import { SETTLED, settledStatus, type OrderRow, type OrderStatus } from './orders';

/** How an event points at an order. Any field may be missing; the ones present must agree with the order. */
export interface OrderRef {
  /** Our `pay_…` id (Stripe metadata / client_reference_id, PayPal custom_id). */
  orderId: string | null;
  /** Stripe Checkout Session id or PayPal order id. */
  providerOrderId: string | null;
  /** Stripe PaymentIntent id or PayPal capture id. */
  providerPaymentId: string | null;
  /** The tenant the event claims (Stripe metadata). */
  tenantId: string | null;
}

export type Intent =
  /** Not about our orders (an unknown event type, a payment of something else). */
  | { kind: 'ignore'; outcome: string }
  /** About an order, but moves no money ("awaiting payment", "dispute closed: lost"). */
  | { kind: 'note'; ref: OrderRef; outcome: string }
  /** Something that cannot be right (a negative amount, a malformed id): alert, change nothing. */
  | { kind: 'invalid'; ref: OrderRef; reason: string }
  | { kind: 'pay'; ref: OrderRef; amountCents: number | null; currency: string | null }
  /** PayPal: the payer approved; we capture (apply.ts asks the capture hook). */
  | { kind: 'approve'; ref: OrderRef; amountCents: number | null; currency: string | null }
  /** PayPal: captured but pending; the credit waits for PAYMENT.CAPTURE.COMPLETED. */
  | { kind: 'pending_capture'; ref: OrderRef }
  /** Stripe: the charge's cumulative refunded amount. */
  | { kind: 'refund_total'; ref: OrderRef; chargeCents: number | null; refundedCents: number | null; currency: string | null }
  /** PayPal: one refund with its own id and amount. */
  | { kind: 'refund'; ref: OrderRef; refundId: string; amountCents: number | null; currency: string | null }
  | { kind: 'dispute'; ref: OrderRef; disputeId: string; amountCents: number | null; currency: string | null }
  | { kind: 'dispute_won'; ref: OrderRef; disputeId: string; amountCents: number | null; currency: string | null };

export interface PostingPlan {
  kind: LedgerKind;
  reference: string;
  /** Signed change of the tenant's credit; the counter account gets the opposite. */
  creditMicro: number;
  counterAccount: LedgerAccount;
  description: string;
}

export interface OrderChange {
  status: OrderStatus;
  refunded_micro: number;
  disputed_micro: number;
  provider_payment_id: string | null;
  paid_at: number | null;
}

export type Decision =
  | { type: 'note'; outcome: string }
  | { type: 'mismatch'; reason: string }
  | { type: 'retry'; reason: string }
  | { type: 'capture' }
  | { type: 'move'; outcome: string; change: OrderChange; posting: PostingPlan | null };

/** Ledger references, all under the order's id so they can never collide across orders. */
export const refs = {
  payment: (orderId: string) => `payment:${orderId}`,
  refundTotal: (orderId: string, cumulativeMicro: number) => `refund:${orderId}:total:${cumulativeMicro}`,
  refund: (orderId: string, refundId: string) => `refund:${orderId}:id:${refundId}`,
  dispute: (orderId: string, disputeId: string) => `dispute:${orderId}:${disputeId}`,
  disputeWon: (orderId: string, disputeId: string) => `dispute_won:${orderId}:${disputeId}`,
};

/** The references `decide` asks about for this intent (apply.ts looks them up first). */
export function referencesFor(order: OrderRow, intent: Intent): string[] {
  switch (intent.kind) {
    case 'refund':
      return [refs.refund(order.id, intent.refundId)];
    case 'dispute':
      return [refs.dispute(order.id, intent.disputeId)];
    case 'dispute_won':
      return [refs.dispute(order.id, intent.disputeId), refs.disputeWon(order.id, intent.disputeId)];
    default:
      return [];
  }
}

const PROVIDER_ID = /^[\w-]{1,100}$/;
const usd = (amount: number) => `$${(amount / 1_000_000).toFixed(2)}`;

/** Why the event cannot belong to this order, or null when every identifier it carries agrees. */
export function refMismatch(order: OrderRow, ref: OrderRef): string | null {
  if (ref.tenantId !== null && ref.tenantId !== order.tenant_id) return `the event names tenant ${ref.tenantId}, but order ${order.id} belongs to another tenant`;
  if (ref.providerOrderId !== null && order.provider_order_id !== ref.providerOrderId) return `the event's checkout ${ref.providerOrderId} is not the one of order ${order.id}`;
  return null;
}

/** Currency and amount checks shared by every money-moving intent; returns micro-dollars or a mismatch reason. */
function amountOf(amountCents: number | null, currency: string | null): { micro: number } | { reason: string } {
  if (currency === null || currency.toUpperCase() !== 'USD') return { reason: `currency ${currency ?? '(none)'} is not USD` };
  if (amountCents === null) return { reason: 'the amount is missing, negative or not a whole number of cents' };
  return { micro: centsToMicro(amountCents) };
}

export function decide(order: OrderRow, intent: Intent, posted: ReadonlySet<string>, now: number): Decision {
  if (intent.kind === 'ignore') return { type: 'note', outcome: intent.outcome };
  const wrongOrder = refMismatch(order, intent.ref);
  if (wrongOrder) return { type: 'mismatch', reason: wrongOrder };
  const settled = SETTLED.has(order.status);
  const counter: LedgerAccount = order.provider === 'stripe' ? 'payments:stripe' : 'payments:paypal';
  const keep = { status: order.status, refunded_micro: order.refunded_micro, disputed_micro: order.disputed_micro, provider_payment_id: order.provider_payment_id, paid_at: order.paid_at };
  // A refund or dispute must be about this order's payment, whatever order id it also carries.
  const otherPayment = (): Decision | null =>
    intent.ref.providerPaymentId !== null && order.provider_payment_id !== null && intent.ref.providerPaymentId !== order.provider_payment_id
      ? { type: 'mismatch', reason: `payment ${intent.ref.providerPaymentId} is not the one of order ${order.id}` }
      : null;
  // A refund or dispute before we recorded the payment (events arrive in any order): try again later.
  const notYetPaid = (): Decision =>
    order.status === 'failed' ? { type: 'mismatch', reason: `order ${order.id} failed at checkout; nothing was paid` } : { type: 'retry', reason: `the payment of order ${order.id} is not recorded yet` };

  switch (intent.kind) {
    case 'invalid':
      return { type: 'mismatch', reason: intent.reason };
    case 'note':
      return { type: 'note', outcome: intent.outcome };

    case 'pay':
    case 'approve': {
      if (order.status === 'failed') return { type: 'mismatch', reason: `order ${order.id} failed at checkout; no payment was expected` };
      const amount = amountOf(intent.amountCents, intent.currency);
      if ('reason' in amount) return { type: 'mismatch', reason: amount.reason };
      if (amount.micro !== order.amount_micro) return { type: 'mismatch', reason: `paid ${usd(amount.micro)}, but order ${order.id} is for ${usd(order.amount_micro)}` };
      if (intent.kind === 'approve') return order.status === 'created' ? { type: 'capture' } : { type: 'note', outcome: 'already captured' };
      const paymentId = intent.ref.providerPaymentId;
      if (paymentId !== null && order.provider_payment_id !== null && paymentId !== order.provider_payment_id) {
        return { type: 'mismatch', reason: `payment ${paymentId} is a second payment for order ${order.id} (paid by ${order.provider_payment_id})` };
      }
      if (settled || posted.has(refs.payment(order.id))) return { type: 'note', outcome: 'already credited' };
      return {
        type: 'move',
        outcome: 'credited',
        change: { ...keep, status: 'paid', provider_payment_id: paymentId ?? order.provider_payment_id, paid_at: now },
        posting: { kind: 'credit_purchase', reference: refs.payment(order.id), creditMicro: order.amount_micro, counterAccount: counter, description: `Credit purchase ${usd(order.amount_micro)} (${order.provider})` },
      };
    }

    case 'pending_capture':
      if (order.status !== 'created') return { type: 'note', outcome: 'already captured' };
      return { type: 'move', outcome: 'capture pending', change: { ...keep, status: 'approved', provider_payment_id: intent.ref.providerPaymentId }, posting: null };

    case 'refund_total': {
      if (!settled) return notYetPaid();
      const other = otherPayment();
      if (other) return other;
      const charge = amountOf(intent.chargeCents, intent.currency);
      if ('reason' in charge) return { type: 'mismatch', reason: charge.reason };
      if (charge.micro !== order.amount_micro) return { type: 'mismatch', reason: `the refunded charge is ${usd(charge.micro)}, but order ${order.id} is for ${usd(order.amount_micro)}` };
      if (intent.refundedCents === null) return { type: 'mismatch', reason: 'the refunded amount is missing, negative or not a whole number of cents' };
      const total = centsToMicro(intent.refundedCents);
      if (total + order.disputed_micro > order.amount_micro) return { type: 'mismatch', reason: `refunds of ${usd(total)} would exceed the ${usd(order.amount_micro)} paid` };
      const fresh = total - order.refunded_micro;
      if (fresh <= 0) return { type: 'note', outcome: fresh === 0 ? 'refund already recorded' : 'older refund total; nothing new' };
      const next = { ...order, refunded_micro: total };
      return {
        type: 'move',
        outcome: `refunded ${usd(fresh)}`,
        change: { ...keep, refunded_micro: total, status: settledStatus(next) },
        posting: { kind: 'refund', reference: refs.refundTotal(order.id, total), creditMicro: -fresh, counterAccount: counter, description: `Refund ${usd(fresh)} of ${order.id}` },
      };
    }

    case 'refund':
    case 'dispute': {
      if (!PROVIDER_ID.test(intent.kind === 'refund' ? intent.refundId : intent.disputeId)) return { type: 'mismatch', reason: 'malformed refund or dispute id' };
      if (!settled) return notYetPaid();
      const other = otherPayment();
      if (other) return other;
      const amount = amountOf(intent.amountCents, intent.currency);
      if ('reason' in amount) return { type: 'mismatch', reason: amount.reason };
      if (amount.micro === 0) return { type: 'mismatch', reason: 'a zero amount' };
      const reference = intent.kind === 'refund' ? refs.refund(order.id, intent.refundId) : refs.dispute(order.id, intent.disputeId);
      if (posted.has(reference)) return { type: 'note', outcome: `${intent.kind} already recorded` };
      if (order.refunded_micro + order.disputed_micro + amount.micro > order.amount_micro) {
        return { type: 'mismatch', reason: `a ${intent.kind} of ${usd(amount.micro)} would take back more than the ${usd(order.amount_micro)} paid` };
      }
      if (intent.kind === 'refund') {
        const next = { ...order, refunded_micro: order.refunded_micro + amount.micro };
        return {
          type: 'move',
          outcome: `refunded ${usd(amount.micro)}`,
          change: { ...keep, refunded_micro: next.refunded_micro, status: settledStatus(next) },
          posting: { kind: 'refund', reference, creditMicro: -amount.micro, counterAccount: counter, description: `Refund ${usd(amount.micro)} of ${order.id}` },
        };
      }
      return {
        type: 'move',
        outcome: `disputed ${usd(amount.micro)}`,
        change: { ...keep, disputed_micro: order.disputed_micro + amount.micro, status: 'disputed' },
        posting: { kind: 'dispute', reference, creditMicro: -amount.micro, counterAccount: 'disputes', description: `Dispute of ${usd(amount.micro)} on ${order.id}` },
      };
    }

    case 'dispute_won': {
      if (!PROVIDER_ID.test(intent.disputeId)) return { type: 'mismatch', reason: 'malformed dispute id' };
      if (posted.has(refs.disputeWon(order.id, intent.disputeId))) return { type: 'note', outcome: 'dispute already reinstated' };
      if (!posted.has(refs.dispute(order.id, intent.disputeId))) return { type: 'retry', reason: `dispute ${intent.disputeId} is not recorded yet` };
      const amount = amountOf(intent.amountCents, intent.currency);
      if ('reason' in amount) return { type: 'mismatch', reason: amount.reason };
      if (amount.micro === 0 || amount.micro > order.disputed_micro) return { type: 'mismatch', reason: `reinstating ${usd(amount.micro)} exceeds the ${usd(order.disputed_micro)} disputed` };
      const next = { ...order, disputed_micro: order.disputed_micro - amount.micro };
      return {
        type: 'move',
        outcome: `dispute won: ${usd(amount.micro)} reinstated`,
        change: { ...keep, disputed_micro: next.disputed_micro, status: settledStatus(next) },
        posting: { kind: 'dispute_won', reference: refs.disputeWon(order.id, intent.disputeId), creditMicro: amount.micro, counterAccount: 'disputes', description: `Dispute won on ${order.id}: ${usd(amount.micro)} back` },
      };
    }
  }
}
