// Stripe events → intents. Shapes: the Event object (`{ id, type, data: { object } }`) carrying a
// Checkout Session, PaymentIntent, Charge or Dispute, as Stripe's API reference documents them. Our
// order id travels in the session's client_reference_id and in both objects' metadata (stripe-api.ts).
import { centsFromInteger } from './amount';
import type { Intent, OrderRef } from './decide';
import { isRecord, orderIdOf, str } from './transport';

const idOf = (v: unknown): string | null => (isRecord(v) ? str(v.id) : str(v));

function metadataRef(obj: Record<string, unknown>): Pick<OrderRef, 'orderId' | 'tenantId'> {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  return { orderId: orderIdOf(meta.order_id), tenantId: str(meta.tenant_id) };
}

const currencyOf = (obj: Record<string, unknown>) => str(obj.currency);

/** Event types we act on; anything else is stored and acknowledged as ignored. */
export const STRIPE_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'payment_intent.succeeded',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.closed',
] as const;

export function stripeIntent(type: string, object: Record<string, unknown>): Intent {
  switch (type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const meta = metadataRef(object);
      const reference = orderIdOf(object.client_reference_id);
      const ref: OrderRef = { orderId: meta.orderId ?? reference, providerOrderId: str(object.id), providerPaymentId: idOf(object.payment_intent), tenantId: meta.tenantId };
      if (meta.orderId === null && reference === null) return { kind: 'ignore', outcome: 'not a GPUBroker checkout' };
      if (meta.orderId !== null && reference !== null && meta.orderId !== reference) return { kind: 'invalid', ref, reason: 'client_reference_id and metadata name different orders' };
      if (object.mode !== undefined && object.mode !== 'payment') return { kind: 'note', ref, outcome: `session mode ${String(object.mode)}` };
      // Delayed payment methods complete the session unpaid; payment_intent.succeeded (or async_payment_succeeded) credits later.
      if (object.payment_status !== 'paid') return { kind: 'note', ref, outcome: 'awaiting payment' };
      return { kind: 'pay', ref, amountCents: centsFromInteger(object.amount_total), currency: currencyOf(object) };
    }
    case 'payment_intent.succeeded': {
      const meta = metadataRef(object);
      if (meta.orderId === null) return { kind: 'ignore', outcome: 'not a GPUBroker payment' };
      const ref: OrderRef = { ...meta, providerOrderId: null, providerPaymentId: str(object.id) };
      return { kind: 'pay', ref, amountCents: centsFromInteger(object.amount_received), currency: currencyOf(object) };
    }
    case 'charge.refunded': {
      const ref: OrderRef = { ...metadataRef(object), providerOrderId: null, providerPaymentId: idOf(object.payment_intent) };
      if (ref.orderId === null && ref.providerPaymentId === null) return { kind: 'ignore', outcome: 'a charge without a PaymentIntent is not a GPUBroker payment' };
      return { kind: 'refund_total', ref, chargeCents: centsFromInteger(object.amount), refundedCents: centsFromInteger(object.amount_refunded), currency: currencyOf(object) };
    }
    case 'charge.dispute.created':
    case 'charge.dispute.closed': {
      const ref: OrderRef = { orderId: null, providerOrderId: null, providerPaymentId: idOf(object.payment_intent), tenantId: null };
      const disputeId = str(object.id);
      if (ref.providerPaymentId === null || disputeId === null) return { kind: 'ignore', outcome: 'a dispute without a PaymentIntent is not a GPUBroker payment' };
      const amount = { amountCents: centsFromInteger(object.amount), currency: currencyOf(object) };
      if (type === 'charge.dispute.created') return { kind: 'dispute', ref, disputeId, ...amount };
      return object.status === 'won' ? { kind: 'dispute_won', ref, disputeId, ...amount } : { kind: 'note', ref, outcome: `dispute closed: ${str(object.status) ?? 'unknown'}` };
    }
    default:
      return { kind: 'ignore', outcome: `event type ${type.slice(0, 80)} is not handled` };
  }
}
