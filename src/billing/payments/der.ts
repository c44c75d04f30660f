// A small, strict DER reader for the two things PayPal webhook verification needs from an X.509
// certificate: its SubjectPublicKeyInfo (to import with WebCrypto) and its validity dates. Every
// length must fit inside its parent; anything unexpected is a DerError, never a guess.
import { fromBase64 } from '../../encoding';

export class DerError extends Error {
  override name = 'DerError';
}

interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const EXPLICIT_0 = 0xa0;

function readTlv(bytes: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new DerError(`truncated element at byte ${offset}`);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags do not occur in a certificate');
  let length = bytes[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw new DerError('indefinite lengths are not DER');
    if (count > 4) throw new DerError('element too long');
    if (contentStart + count > limit) throw new DerError(`truncated length at byte ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
    if (length < 0x80 || bytes[contentStart] === 0) throw new DerError('non-minimal length encoding');
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError(`element at byte ${offset} runs past its parent`);
  return { tag, start: offset, contentStart, end };
}

function childrenOf(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = readTlv(bytes, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`expected ${what}`);
  return tlv;
}

/** UTCTime `YYMMDDHHMMSSZ` (years 1950–2049, RFC 5280) or GeneralizedTime `YYYYMMDDHHMMSSZ`, as epoch ms. */
function readTime(bytes: Uint8Array, tlv: Tlv): number {
  const text = String.fromCharCode(...bytes.subarray(tlv.contentStart, tlv.end));
  let m: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === UTC_TIME && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (tlv.tag === GENERALIZED_TIME && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    year = Number(m[1]);
  } else {
    throw new DerError(`unreadable certificate time "${text}"`);
  }
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) throw new DerError(`invalid certificate time "${text}"`);
  return ms;
}

export interface CertificateInfo {
  /** The DER SubjectPublicKeyInfo, ready for `crypto.subtle.importKey('spki', …)`. */
  spki: Uint8Array;
  notBefore: number;
  notAfter: number;
}

/**
 * Reads a DER X.509 certificate: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?,
 * serialNumber, signature, issuer, validity SEQUENCE { notBefore, notAfter }, subject,
 * subjectPublicKeyInfo, … }, signatureAlgorithm, signatureValue }.
 */
export function parseCertificate(der: Uint8Array): CertificateInfo {
  const cert = expectTag(readTlv(der, 0, der.length), SEQUENCE, 'a certificate SEQUENCE');
  if (cert.end !== der.length) throw new DerError('trailing bytes after the certificate');
  const [tbs, sigAlg, sigValue] = childrenOf(der, cert);
  expectTag(tbs, SEQUENCE, 'tbsCertificate');
  expectTag(sigAlg, SEQUENCE, 'signatureAlgorithm');
  if (!sigValue || sigValue.tag !== 0x03) throw new DerError('expected signatureValue');
  const fields = childrenOf(der, tbs!);
  let i = fields[0]?.tag === EXPLICIT_0 ? 1 : 0;
  expectTag(fields[i++], INTEGER, 'serialNumber');
  expectTag(fields[i++], SEQUENCE, 'signature algorithm');
  expectTag(fields[i++], SEQUENCE, 'issuer');
  const validity = expectTag(fields[i++], SEQUENCE, 'validity');
  expectTag(fields[i++], SEQUENCE, 'subject');
  const spki = expectTag(fields[i++], SEQUENCE, 'subjectPublicKeyInfo');
  const times = childrenOf(der, validity);
  if (times.length !== 2) throw new DerError('validity needs notBefore and notAfter');
  const notBefore = readTime(der, times[0]!);
  const notAfter = readTime(der, times[1]!);
  return { spki: der.slice(spki.start, spki.end), notBefore, notAfter };
}

/** The DER bytes of the first CERTIFICATE block of a PEM document (a chain starts with the leaf). */
export function firstPemCertificate(pem: string): Uint8Array {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new DerError('no PEM certificate found');
  try {
    return fromBase64(m[1]!.replace(/\s+/g, ''));
  } catch {
    throw new DerError('the PEM certificate is not base64');
  }
}
