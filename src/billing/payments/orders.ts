// Payment orders: one per checkout we started. The row is written once the provider answered (created,
// with its checkout URL) or refused (failed); after that every change is a compare-and-set on
// `version`, made in the same D1 batch as the ledger posting it accounts for.
import { isoOrNull, iso } from '../../http/time';
import { microToUsd } from '../../money';
import type { PaymentProvider } from './transport';

export const ORDER_STATUSES = ['created', 'approved', 'paid', 'partially_refunded', 'refunded', 'disputed', 'failed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderRow {
  id: string;
  tenant_id: string;
  provider: PaymentProvider;
  provider_order_id: string | null;
  provider_payment_id: string | null;
  amount_micro: number;
  currency: string;
  status: OrderStatus;
  refunded_micro: number;
  disputed_micro: number;
  version: number;
  checkout_url: string | null;
  last_error: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  paid_at: number | null;
}

/** Paid at some point: the states refunds and disputes apply to. */
export const SETTLED: ReadonlySet<OrderStatus> = new Set(['paid', 'partially_refunded', 'refunded', 'disputed']);

/** The status of a settled order from its amounts: a dispute shows first, then how much was refunded. */
export function settledStatus(o: { amount_micro: number; refunded_micro: number; disputed_micro: number }): OrderStatus {
  if (o.disputed_micro > 0) return 'disputed';
  if (o.refunded_micro >= o.amount_micro) return 'refunded';
  if (o.refunded_micro > 0) return 'partially_refunded';
  return 'paid';
}

export async function loadOrder(db: D1Database | D1DatabaseSession, id: string): Promise<OrderRow | null> {
  return db.prepare('SELECT * FROM payment_orders WHERE id = ?1').bind(id).first<OrderRow>();
}

export async function loadOrderByProviderPayment(db: D1Database, provider: PaymentProvider, paymentId: string): Promise<OrderRow | null> {
  return db.prepare('SELECT * FROM payment_orders WHERE provider = ?1 AND provider_payment_id = ?2').bind(provider, paymentId).first<OrderRow>();
}

export async function loadOrderByProviderOrder(db: D1Database, provider: PaymentProvider, providerOrderId: string): Promise<OrderRow | null> {
  return db.prepare('SELECT * FROM payment_orders WHERE provider = ?1 AND provider_order_id = ?2').bind(provider, providerOrderId).first<OrderRow>();
}

export function insertOrderStatement(db: D1Database, o: OrderRow): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO payment_orders (id, tenant_id, provider, provider_order_id, provider_payment_id, amount_micro, currency, status, refunded_micro, disputed_micro, version,
         checkout_url, last_error, created_by, created_at, updated_at, paid_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)`,
    )
    .bind(
      o.id,
      o.tenant_id,
      o.provider,
      o.provider_order_id,
      o.provider_payment_id,
      o.amount_micro,
      o.currency,
      o.status,
      o.refunded_micro,
      o.disputed_micro,
      o.version,
      o.checkout_url,
      o.last_error,
      o.created_by,
      o.created_at,
      o.updated_at,
      o.paid_at,
    );
}

/** The API's view of an order. The checkout URL is shown only while the order can still be paid. */
export function toApiPayment(o: OrderRow) {
  return {
    id: o.id,
    provider: o.provider,
    status: o.status,
    amountUsd: microToUsd(o.amount_micro),
    currency: o.currency,
    refundedUsd: microToUsd(o.refunded_micro),
    disputedUsd: microToUsd(o.disputed_micro),
    checkoutUrl: o.status === 'created' ? o.checkout_url : null,
    providerOrderId: o.provider_order_id,
    failureReason: o.status === 'failed' ? o.last_error : null,
    createdAt: iso(o.created_at),
    updatedAt: iso(o.updated_at),
    paidAt: isoOrNull(o.paid_at),
  };
}
