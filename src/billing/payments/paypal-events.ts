// PayPal webhook events → intents. Shapes: the event envelope `{ id, event_type, resource_type, resource }`
// with an Orders v2 order (CHECKOUT.ORDER.APPROVED), a capture (PAYMENT.CAPTURE.COMPLETED) or a refund
// (PAYMENT.CAPTURE.REFUNDED / REVERSED, whose `up` link names the capture), as PayPal documents them.
// Our order id is the purchase unit's custom_id, which PayPal copies onto the capture.
import { centsFromDecimalString } from './amount';
import type { Intent, OrderRef } from './decide';
import { isRecord, orderIdOf, str } from './transport';

export const PAYPAL_EVENT_TYPES = ['CHECKOUT.ORDER.APPROVED', 'PAYMENT.CAPTURE.COMPLETED', 'PAYMENT.CAPTURE.REFUNDED', 'PAYMENT.CAPTURE.REVERSED'] as const;

function money(v: unknown): { amountCents: number | null; currency: string | null } {
  return isRecord(v) ? { amountCents: centsFromDecimalString(v.value), currency: str(v.currency_code) } : { amountCents: null, currency: null };
}

/** The capture a refund belongs to, from its `up` link (`…/v2/payments/captures/<id>`). */
function capturedBy(resource: Record<string, unknown>): string | null {
  const links = Array.isArray(resource.links) ? resource.links.filter(isRecord) : [];
  for (const link of links) {
    const href = link.rel === 'up' ? str(link.href) : null;
    const m = href ? /\/v2\/payments\/captures\/([\w-]{1,100})$/.exec(href) : null;
    if (m) return m[1]!;
  }
  return null;
}

export function paypalIntent(type: string, resource: Record<string, unknown>): Intent {
  switch (type) {
    case 'CHECKOUT.ORDER.APPROVED': {
      const unit = Array.isArray(resource.purchase_units) && isRecord(resource.purchase_units[0]) ? resource.purchase_units[0] : {};
      const orderId = orderIdOf(unit.custom_id) ?? orderIdOf(unit.reference_id);
      const ref: OrderRef = { orderId, providerOrderId: str(resource.id), providerPaymentId: null, tenantId: null };
      if (orderId === null) return { kind: 'ignore', outcome: 'not a GPUBroker order' };
      if (resource.status === 'COMPLETED') return { kind: 'note', ref, outcome: 'order already completed' };
      return { kind: 'approve', ref, ...money(unit.amount) };
    }
    case 'PAYMENT.CAPTURE.COMPLETED': {
      const related = isRecord(resource.supplementary_data) && isRecord(resource.supplementary_data.related_ids) ? resource.supplementary_data.related_ids : {};
      const ref: OrderRef = { orderId: orderIdOf(resource.custom_id), providerOrderId: str(related.order_id), providerPaymentId: str(resource.id), tenantId: null };
      if (ref.orderId === null) return { kind: 'ignore', outcome: 'not a GPUBroker payment' };
      if (resource.status !== 'COMPLETED') return { kind: 'note', ref, outcome: `capture status ${str(resource.status) ?? 'unknown'}` };
      return { kind: 'pay', ref, ...money(resource.amount) };
    }
    case 'PAYMENT.CAPTURE.REFUNDED':
    case 'PAYMENT.CAPTURE.REVERSED': {
      // A refund-shaped resource names its capture in the `up` link; a capture-shaped one (seen for
      // reversals) is the capture itself, and one reversal per capture is all there can be.
      const upCapture = capturedBy(resource);
      const captureId = upCapture ?? str(resource.id);
      const ref: OrderRef = { orderId: orderIdOf(resource.custom_id), providerOrderId: null, providerPaymentId: captureId, tenantId: null };
      if (captureId === null) return { kind: 'ignore', outcome: 'names no capture' };
      const id = upCapture ? str(resource.id) : `reversal-${captureId}`;
      if (id === null) return { kind: 'invalid', ref, reason: 'the refund has no id' };
      if (type === 'PAYMENT.CAPTURE.REFUNDED') {
        if (resource.status === 'FAILED' || resource.status === 'CANCELLED') return { kind: 'note', ref, outcome: `refund ${String(resource.status).toLowerCase()}` };
        return { kind: 'refund', ref, refundId: id, ...money(resource.amount) };
      }
      return { kind: 'dispute', ref, disputeId: id, ...money(resource.amount) };
    }
    default:
      return { kind: 'ignore', outcome: `event type ${type.slice(0, 80)} is not handled` };
  }
}
