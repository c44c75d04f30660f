// The pure pieces of payments: exact amounts, CRC-32, the X.509 DER walk, Stripe signature parsing,
// the PayPal certificate URL allow-list, and what an event means for an order (decide).
import { describe, expect, it } from 'vitest';
import { centsFromDecimalString, centsFromInteger, centsFromUsdLexeme, centsToDecimalString, topLevelNumberSource } from '../../../src/billing/payments/amount';
import { crc32 } from '../../../src/billing/payments/crc32';
import { decide, refs, type Intent } from '../../../src/billing/payments/decide';
import { DerError, firstPemCertificate, parseCertificate } from '../../../src/billing/payments/der';
import type { OrderRow } from '../../../src/billing/payments/orders';
import { certUrlProblem, paypalSignedString } from '../../../src/billing/payments/paypal-signature';
import { parseStripeSignature, stripeSignatureHeader, verifyStripeSignature } from '../../../src/billing/payments/stripe-signature';
import { fromBase64, utf8 } from '../../../src/encoding';
import certPem from './fixtures/paypal-test-cert.pem?raw';
import keyPem from './fixtures/paypal-test-key.pem?raw';

describe('amounts', () => {
  it('reads a typed checkout amount exactly, and refuses signs, exponents and a third decimal', () => {
    expect(centsFromUsdLexeme('50')).toBe(5000);
    expect(centsFromUsdLexeme('49.99')).toBe(4999);
    expect(centsFromUsdLexeme('0.1')).toBe(10);
    expect(centsFromUsdLexeme('10000.00')).toBe(1_000_000);
    for (const bad of ['5e1', '5E+1', '-50', '+50', '50.001', '050', '.5', '50.', 'NaN', 'Infinity', '', '1e400']) expect(centsFromUsdLexeme(bad), bad).toBeNull();
  });

  it('reads PayPal decimal strings and Stripe integer cents, refusing anything else', () => {
    expect(centsFromDecimalString('50.00')).toBe(5000);
    expect(centsFromDecimalString('0.5')).toBe(50);
    for (const bad of ['-50.00', '50.001', 'abc', '', '5e1', 50, null]) expect(centsFromDecimalString(bad), String(bad)).toBeNull();
    expect(centsFromInteger(5000)).toBe(5000);
    for (const bad of [-5000, 50.5, '5000', NaN, Infinity, null]) expect(centsFromInteger(bad), String(bad)).toBeNull();
    expect(centsToDecimalString(5000)).toBe('50.00');
    expect(centsToDecimalString(1_000_005)).toBe('10000.05');
  });

  it('finds the source text of a top-level JSON number, not a nested one', () => {
    expect(topLevelNumberSource('{"amountUsd": 5e1}', 'amountUsd')).toBe('5e1');
    expect(topLevelNumberSource('{"amountUsd":50.000,"provider":"stripe"}', 'amountUsd')).toBe('50.000');
    expect(topLevelNumberSource('{"x":{"amountUsd":5e1}}', 'amountUsd')).toBeUndefined();
    expect(topLevelNumberSource('{"amountUsd":"50"}', 'amountUsd')).toBeUndefined();
    expect(() => topLevelNumberSource('{"amountUsd": NaN}', 'amountUsd')).toThrow(SyntaxError);
  });
});

describe('CRC-32 (IEEE)', () => {
  it('matches the standard check values', () => {
    expect(crc32(utf8(''))).toBe(0);
    expect(crc32(utf8('123456789'))).toBe(0xcbf43926);
    expect(crc32(utf8('The quick brown fox jumps over the lazy dog'))).toBe(1095738169);
    expect(crc32(utf8('a'))).toBe(0xe8b7be43);
    // Unsigned: values with the top bit set stay positive in the signed string.
    expect(crc32(utf8('123456789'))).toBeGreaterThan(2 ** 31);
    expect(paypalSignedString('tid', '2026-01-01T00:00:00Z', 'WH1', utf8('123456789'))).toBe('tid|2026-01-01T00:00:00Z|WH1|3421780262');
  });
});

describe('X.509 DER walk', () => {
  it("extracts the fixture certificate's public key and validity dates (UTCTime and GeneralizedTime)", async () => {
    const info = parseCertificate(firstPemCertificate(certPem));
    expect(new Date(info.notBefore).toISOString()).toBe('2026-11-29T21:15:38.000Z');
    expect(new Date(info.notAfter).toISOString()).toBe('2126-11-05T21:15:38.000Z');
    // The extracted SPKI is the public half of the fixture key: a signature by the key verifies with it.
    const publicKey = await crypto.subtle.importKey('spki', info.spki, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
    const privateKey = await crypto.subtle.importKey('pkcs8', fromBase64(keyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    const sig = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, utf8('hello'));
    expect(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', publicKey, sig, utf8('hello'))).toBe(true);
    expect(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', publicKey, sig, utf8('hellO'))).toBe(false);
  });

  it('refuses truncated, overlong and trailing-garbage input with a DerError', () => {
    const der = firstPemCertificate(certPem);
    expect(() => parseCertificate(der.slice(0, der.length - 1))).toThrow(DerError);
    expect(() => parseCertificate(new Uint8Array([...der, 0]))).toThrow(DerError);
    expect(() => parseCertificate(new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]))).toThrow(DerError);
    expect(() => parseCertificate(new Uint8Array([0x30, 0x80, 0x00, 0x00]))).toThrow(DerError);
    expect(() => parseCertificate(new Uint8Array([0x02, 0x01, 0x00]))).toThrow(DerError);
    const wrongSpki = der.slice();
    // Damage the validity's first time tag: no longer a UTCTime or GeneralizedTime.
    const at = wrongSpki.findIndex((b, i) => b === 0x17 && wrongSpki[i + 1] === 13);
    wrongSpki[at] = 0x04;
    expect(() => parseCertificate(wrongSpki)).toThrow(DerError);
    expect(() => firstPemCertificate('no certificate here')).toThrow(DerError);
  });
});

describe('Stripe-Signature', () => {
  it('parses t and several v1 values, skipping other schemes', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    expect(parseStripeSignature(`t=1492774577,v1=${a},v0=${b},v1=${b}`)).toEqual({ t: 1492774577, v1: [a, b] });
    expect(parseStripeSignature(`v1=${a}`)).toBeNull();
    expect(parseStripeSignature('t=1492774577')).toBeNull();
    expect(parseStripeSignature(`t=abc,v1=${a}`)).toBeNull();
    expect(parseStripeSignature(`t=1,t=2,v1=${a}`)).toBeNull();
    expect(parseStripeSignature('garbage')).toBeNull();
  });

  it('verifies over t + "." + the raw bytes, with any configured secret, within 5 minutes either way', async () => {
    const body = utf8('{"id":"evt_1"}');
    const now = 1_800_000_000_000;
    const t = now / 1000;
    const header = await stripeSignatureHeader('whsec_b', body, t);
    expect(await verifyStripeSignature(['whsec_a', 'whsec_b'], header, body, now)).toEqual({ ok: true });
    expect((await verifyStripeSignature(['whsec_a'], header, body, now)).ok).toBe(false);
    expect(await verifyStripeSignature(['whsec_b'], header, body, now + 301_000)).toMatchObject({ ok: false, status: 401 });
    expect(await verifyStripeSignature(['whsec_b'], header, body, now - 301_000)).toMatchObject({ ok: false, status: 401 });
    expect((await verifyStripeSignature(['whsec_b'], header, body, now + 299_000)).ok).toBe(true);
    expect(await verifyStripeSignature(['whsec_b'], null, body, now)).toMatchObject({ ok: false, status: 400 });
  });
});

describe('PayPal certificate URL allow-list', () => {
  it('accepts only https on the PayPal API hosts, default port, certificate path', () => {
    for (const host of ['api.paypal.com', 'api-m.paypal.com', 'api.sandbox.paypal.com', 'api-m.sandbox.paypal.com']) {
      expect(certUrlProblem(`https://${host}/v1/notifications/certs/CERT-360caa42-fca2a594-5a29e601`), host).toBeNull();
    }
    // Host matching is on the parsed hostname, which is lower-cased.
    expect(certUrlProblem('https://API.PAYPAL.COM/v1/notifications/certs/CERT-1')).toBeNull();
    const spoofs = [
      'https://paypal.com.evil.com/v1/notifications/certs/CERT-1',
      'https://evil.com/paypal.com/v1/notifications/certs/CERT-1',
      'https://evil.com/api.paypal.com/v1/notifications/certs/CERT-1',
      'http://api.paypal.com/v1/notifications/certs/CERT-1',
      'https://api.paypal.com@evil.com/v1/notifications/certs/CERT-1',
      'https://user:pass@api.paypal.com/v1/notifications/certs/CERT-1',
      'https://api.paypal.com:8443/v1/notifications/certs/CERT-1',
      'https://api.paypal.com.:443/v1/notifications/certs/CERT-1',
      'https://evil.com\\@api.paypal.com/v1/notifications/certs/CERT-1',
      'https://api.paypal.com.evil.com/v1/notifications/certs/CERT-1',
      'https://evilapi.paypal.com/v1/notifications/certs/CERT-1',
      'https://www.paypal.com/v1/notifications/certs/CERT-1',
      'https://api.paypal.com/v1/notifications/certs/CERT-1?redirect=https://evil.com',
      'https://api.paypal.com/evil/cert.pem',
      'https://api.paypal.com%2eevil.com/v1/notifications/certs/CERT-1',
      'ftp://api.paypal.com/v1/notifications/certs/CERT-1',
      'https://[::1]/v1/notifications/certs/CERT-1',
      '//api.paypal.com/v1/notifications/certs/CERT-1',
      'not a url',
    ];
    for (const url of spoofs) expect(certUrlProblem(url), url).not.toBeNull();
  });
});

describe('decide', () => {
  const order = (over: Partial<OrderRow> = {}): OrderRow => ({
    id: 'pay_0000000000000001',
    tenant_id: 'ten_a',
    provider: 'stripe',
    provider_order_id: 'cs_1',
    provider_payment_id: null,
    amount_micro: 50_000_000,
    currency: 'USD',
    status: 'created',
    refunded_micro: 0,
    disputed_micro: 0,
    version: 0,
    checkout_url: 'https://checkout.stripe.com/c/pay/cs_1',
    last_error: null,
    created_by: 'usr_1',
    created_at: 1,
    updated_at: 1,
    paid_at: null,
    ...over,
  });
  const ref = { orderId: 'pay_0000000000000001', providerOrderId: 'cs_1', providerPaymentId: 'pi_1', tenantId: 'ten_a' };
  const pay: Intent = { kind: 'pay', ref, amountCents: 5000, currency: 'usd' };
  const none = new Set<string>();

  it('credits a matching payment once, then calls it already credited', () => {
    const d = decide(order(), pay, none, 10);
    expect(d).toMatchObject({ type: 'move', change: { status: 'paid', provider_payment_id: 'pi_1', paid_at: 10 }, posting: { kind: 'credit_purchase', reference: refs.payment('pay_0000000000000001'), creditMicro: 50_000_000 } });
    expect(decide(order({ status: 'paid', provider_payment_id: 'pi_1' }), pay, none, 10)).toEqual({ type: 'note', outcome: 'already credited' });
  });

  it('refuses a wrong amount, currency, tenant, session, or a second payment', () => {
    const cases: Array<[string, OrderRow, Intent]> = [
      ['amount', order(), { ...pay, amountCents: 4999 } as Intent],
      ['currency', order(), { ...pay, currency: 'eur' } as Intent],
      ['negative', order(), { ...pay, amountCents: null } as Intent],
      ['tenant', order(), { ...pay, ref: { ...ref, tenantId: 'ten_b' } } as Intent],
      ['session', order(), { ...pay, ref: { ...ref, providerOrderId: 'cs_other' } } as Intent],
      ['second payment', order({ status: 'paid', provider_payment_id: 'pi_0' }), pay],
      ['failed order', order({ status: 'failed', provider_order_id: null }), { ...pay, ref: { ...ref, providerOrderId: null } } as Intent],
    ];
    for (const [why, o, intent] of cases) expect(decide(o, intent, none, 1).type, why).toBe('mismatch');
  });

  it('refunds only the new part of a cumulative total and never more than was paid', () => {
    const paid = order({ status: 'paid', provider_payment_id: 'pi_1' });
    const total = (cents: number): Intent => ({ kind: 'refund_total', ref: { ...ref, orderId: null, providerOrderId: null }, chargeCents: 5000, refundedCents: cents, currency: 'usd' });
    expect(decide(paid, total(1000), none, 1)).toMatchObject({ type: 'move', change: { refunded_micro: 10_000_000, status: 'partially_refunded' }, posting: { creditMicro: -10_000_000 } });
    const partly = order({ status: 'partially_refunded', refunded_micro: 10_000_000 });
    expect(decide(partly, total(3000), none, 1)).toMatchObject({ type: 'move', change: { refunded_micro: 30_000_000 }, posting: { creditMicro: -20_000_000 } });
    expect(decide(partly, total(1000), none, 1)).toMatchObject({ type: 'note' });
    expect(decide(partly, total(5000), none, 1)).toMatchObject({ type: 'move', change: { status: 'refunded' }, posting: { creditMicro: -40_000_000 } });
    expect(decide(partly, total(5001), none, 1)).toMatchObject({ type: 'mismatch' });
    expect(decide(order(), total(1000), none, 1)).toMatchObject({ type: 'retry' });
    // A refund naming this order but another payment is not this order's.
    const foreign: Intent = { kind: 'refund_total', ref: { ...ref, providerOrderId: null, providerPaymentId: 'pi_other' }, chargeCents: 5000, refundedCents: 1000, currency: 'usd' };
    expect(decide(paid, foreign, none, 1)).toMatchObject({ type: 'mismatch', reason: expect.stringContaining('pi_other') });
  });

  it('records a dispute once, may take the balance negative, and reinstates it when won', () => {
    const paid = order({ status: 'paid' });
    const d: Intent = { kind: 'dispute', ref, disputeId: 'dp_1', amountCents: 5000, currency: 'usd' };
    expect(decide(paid, d, none, 1)).toMatchObject({ type: 'move', change: { status: 'disputed', disputed_micro: 50_000_000 }, posting: { kind: 'dispute', creditMicro: -50_000_000, counterAccount: 'disputes' } });
    expect(decide(paid, d, new Set([refs.dispute(paid.id, 'dp_1')]), 1)).toMatchObject({ type: 'note' });
    const won: Intent = { kind: 'dispute_won', ref, disputeId: 'dp_1', amountCents: 5000, currency: 'usd' };
    expect(decide(paid, won, none, 1)).toMatchObject({ type: 'retry' });
    const disputed = order({ status: 'disputed', disputed_micro: 50_000_000 });
    expect(decide(disputed, won, new Set([refs.dispute(paid.id, 'dp_1')]), 1)).toMatchObject({ type: 'move', change: { status: 'paid', disputed_micro: 0 }, posting: { kind: 'dispute_won', creditMicro: 50_000_000 } });
  });
});
