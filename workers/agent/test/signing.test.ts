import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, sign, signatureHeader, verify, verifySignature } from '../src/signing';

const SECRET = 'a-shared-secret-of-some-length';
const NOW = 1_750_000_000_000;

describe('request signatures', () => {
  it('are written as t=<epoch ms>,v1=<64 lowercase hex digits>', async () => {
    const header = await signatureHeader(SECRET, '{"a":1}', NOW);
    expect(header).toMatch(new RegExp(`^t=${NOW},v1=[0-9a-f]{64}$`));
    expect(SIGNATURE_HEADER).toBe('x-gpubroker-signature');
  });

  it('are the HMAC-SHA256 of "<t>.<body>" under the secret', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', SECRET).update(`${NOW}.hello`).digest('hex');
    expect(await signatureHeader(SECRET, 'hello', NOW)).toBe(`t=${NOW},v1=${expected}`);
  });

  it('verify for the same secret and body within five minutes', async () => {
    const header = await signatureHeader(SECRET, '{"a":1}', NOW);
    expect(await verifySignature(SECRET, header, '{"a":1}', NOW)).toEqual({ ok: true });
    expect(await verifySignature(SECRET, header, '{"a":1}', NOW + 5 * 60 * 1000)).toEqual({ ok: true });
    expect(await verifySignature(SECRET, header, '{"a":1}', NOW - 5 * 60 * 1000)).toEqual({ ok: true });
  });

  it('of an empty body sign a GET', async () => {
    expect((await verifySignature(SECRET, await signatureHeader(SECRET, '', NOW), '', NOW)).ok).toBe(true);
  });

  it('are refused when the header is missing', async () => {
    expect(await verifySignature(SECRET, undefined, 'x', NOW)).toEqual({ ok: false, reason: 'missing signature header' });
    expect((await verifySignature(SECRET, null, 'x', NOW)).ok).toBe(false);
    expect((await verifySignature(SECRET, '', 'x', NOW)).ok).toBe(false);
  });

  it('are refused when the header is malformed', async () => {
    const good = await signatureHeader(SECRET, 'x', NOW);
    const mac = good.split('v1=')[1]!;
    for (const header of [`v1=${mac}`, `t=${NOW}`, `t=abc,v1=${mac}`, `t=${NOW},v1=${mac.toUpperCase()}`, `t=${NOW},v1=${mac.slice(1)}`, `t=${NOW};v1=${mac}`, 'garbage']) {
      const result = await verifySignature(SECRET, header, 'x', NOW);
      expect(result, header).toEqual({ ok: false, reason: 'malformed signature header' });
    }
  });

  it('are refused under another secret', async () => {
    const header = await signatureHeader('some-other-secret-entirely', 'x', NOW);
    expect(await verifySignature(SECRET, header, 'x', NOW)).toEqual({ ok: false, reason: 'signature does not match' });
  });

  it('are refused when the body was changed', async () => {
    const header = await signatureHeader(SECRET, '{"action":"stop"}', NOW);
    expect(await verifySignature(SECRET, header, '{"action":"terminate"}', NOW)).toEqual({ ok: false, reason: 'signature does not match' });
  });

  it('are refused when the timestamp is more than five minutes old or ahead', async () => {
    const header = await signatureHeader(SECRET, 'x', NOW);
    expect((await verifySignature(SECRET, header, 'x', NOW + 5 * 60 * 1000 + 1)).ok).toBe(false);
    expect((await verifySignature(SECRET, header, 'x', NOW - 5 * 60 * 1000 - 1)).ok).toBe(false);
    expect(await verifySignature(SECRET, header, 'x', NOW + 10 * 60 * 1000)).toEqual({ ok: false, reason: 'signature timestamp outside the 5-minute window' });
  });

  it('are refused when the timestamp was changed to look fresh', async () => {
    const header = await signatureHeader(SECRET, 'x', NOW - 60 * 60 * 1000);
    const refreshed = header.replace(/^t=\d+/, `t=${NOW}`);
    expect((await verifySignature(SECRET, refreshed, 'x', NOW)).ok).toBe(false);
  });

  it('verify when one of several v1 values matches, so a secret can rotate', async () => {
    const old = await signatureHeader('the-old-secret-value', 'x', NOW);
    const fresh = await signatureHeader(SECRET, 'x', NOW);
    const both = `${old},v1=${fresh.split('v1=')[1]}`;
    expect((await verifySignature(SECRET, both, 'x', NOW)).ok).toBe(true);
  });

  it('are also exported as sign and verify', async () => {
    expect((await verify(SECRET, await sign(SECRET, 'x', NOW), 'x', NOW)).ok).toBe(true);
  });
});
