// Which webhook URLs GPUBroker may call: https to a public host only. Pure: the URL's own form (scheme,
// credentials, port, IP literals, local names) is judged here, and `publicAddress` judges each
// address a name resolves to (dns.ts resolves; the guard is applied at creation and before every
// attempt, so a name re-pointed at an internal address later — DNS rebinding — is caught too).
//
// Addresses: only globally reachable unicast is allowed. Refused are the IANA special-purpose
// blocks (private, CGNAT, loopback, link-local, documentation, benchmarking, multicast, reserved),
// IPv6 unique-local, link/site-local and multicast, and IPv6 forms that embed an IPv4 address
// (mapped, NAT64, 6to4) when the embedded address is refused.

export interface GuardOptions {
  /** Local development: allow http and any host (a receiver on 127.0.0.1). */
  allowPrivate: boolean;
}

export type UrlVerdict = { ok: true; url: URL; host: string; ip: boolean } | { ok: false; reason: string };

export const MAX_URL_LENGTH = 2048;

/** IPv4 blocks that are not globally reachable (IANA IPv4 special-purpose registry), as [base, prefix, why]. */
const IPV4_BLOCKED: ReadonlyArray<[string, number, string]> = [
  ['0.0.0.0', 8, '"this network" (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'a private address (10.0.0.0/8)'],
  ['100.64.0.0', 10, 'a carrier-grade NAT address (100.64.0.0/10)'],
  ['127.0.0.0', 8, 'a loopback address (127.0.0.0/8)'],
  ['169.254.0.0', 16, 'a link-local address (169.254.0.0/16)'],
  ['172.16.0.0', 12, 'a private address (172.16.0.0/12)'],
  ['192.0.0.0', 24, 'an IETF protocol address (192.0.0.0/24)'],
  ['192.0.2.0', 24, 'a documentation address (192.0.2.0/24)'],
  ['192.88.99.0', 24, 'a 6to4 relay address (192.88.99.0/24)'],
  ['192.168.0.0', 16, 'a private address (192.168.0.0/16)'],
  ['198.18.0.0', 15, 'a benchmarking address (198.18.0.0/15)'],
  ['198.51.100.0', 24, 'a documentation address (198.51.100.0/24)'],
  ['203.0.113.0', 24, 'a documentation address (203.0.113.0/24)'],
  ['224.0.0.0', 4, 'a multicast address (224.0.0.0/4)'],
  ['240.0.0.0', 4, 'a reserved address (240.0.0.0/4)'],
];

const BLOCKED_V4 = IPV4_BLOCKED.map(([base, prefix, why]) => {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { net: (parseDottedIpv4(base)! & mask) >>> 0, mask, why };
});

/** Name suffixes that never resolve publicly, or resolve to this machine or a private network. */
const LOCAL_SUFFIXES = ['localhost', 'local', 'localdomain', 'internal', 'intranet', 'lan', 'home', 'corp', 'private', 'home.arpa'];
const SPECIAL_SUFFIXES = ['test', 'example', 'invalid', 'onion', 'arpa', 'alt'];

/** Strict dotted-quad IPv4 (what the URL parser and DNS answers produce) as an unsigned 32-bit number. */
export function parseDottedIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

/**
 * IPv4 the way inet_aton reads it: 1–4 parts, each decimal, octal (leading 0) or hex (0x), the last
 * part filling the remaining bytes (`127.1`, `2130706433`, `0x7f.0.0.1`, `0177.0.0.01`). The URL
 * parser already rewrites these to dotted quads; this catches any host that slipped through as text.
 */
export function parseLooseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length === 0 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const part of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(part)) n = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) n = parseInt(part, 8);
    else if (/^(0|[1-9]\d*)$/.test(part)) n = Number(part);
    else return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255)) return null;
  if (last >= 256 ** (4 - nums.length)) return null;
  let value = 0;
  for (const n of nums) value = value * 256 + n;
  return value * 256 ** (4 - nums.length) + last;
}

const v4Text = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** Why an IPv4 address is refused, or null when it is globally reachable. */
export function ipv4Refusal(n: number): string | null {
  for (const block of BLOCKED_V4) if (((n & block.mask) >>> 0) === block.net) return block.why;
  return null;
}

/** IPv6 text (with optional embedded dotted IPv4 at the end) as 16 bytes, or null. */
export function parseIpv6(text: string): Uint8Array | null {
  let s = text.toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (!/^[0-9a-f:.]+$/.test(s) || !s.includes(':')) return null;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    // An embedded dotted IPv4 (`::ffff:127.0.0.1`) becomes its two hex groups.
    const v4 = parseDottedIpv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const explicit = head.length + rest.length;
  if (halves.length === 1 && explicit !== 8) return null;
  if (halves.length === 2 && explicit > 7) return null;
  const words: number[] = [];
  for (const g of [...head, ...Array<string>(halves.length === 2 ? 8 - explicit : 0).fill('0'), ...rest]) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    words.push(parseInt(g, 16));
  }
  if (words.length !== 8) return null;
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[i * 2] = w >> 8;
    bytes[i * 2 + 1] = w & 255;
  });
  return bytes;
}

const v4At = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
const zeros = (b: Uint8Array, from: number, to: number) => b.subarray(from, to).every((x) => x === 0);

/** Why an IPv6 address is refused, or null when it is globally reachable unicast. */
export function ipv6Refusal(b: Uint8Array): string | null {
  const embedded = (at: number, form: string) => {
    const why = ipv4Refusal(v4At(b, at));
    return why ? `${form} of ${v4Text(v4At(b, at))}, ${why}` : null;
  };
  if (zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return embedded(12, 'an IPv4-mapped IPv6 address');
  if (zeros(b, 0, 15)) return b[15] === 1 ? 'the IPv6 loopback address (::1)' : b[15] === 0 ? 'the unspecified IPv6 address (::)' : 'an IPv4-compatible IPv6 address (::/96)';
  if (zeros(b, 0, 12)) return 'an IPv4-compatible IPv6 address (::/96)';
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    return zeros(b, 4, 12) ? embedded(12, 'a NAT64 address') : 'a local-use NAT64 address (64:ff9b:1::/48)';
  }
  if (b[0] === 0xff) return 'an IPv6 multicast address (ff00::/8)';
  if ((b[0]! & 0xfe) === 0xfc) return 'an IPv6 unique-local address (fc00::/7)';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'an IPv6 link-local address (fe80::/10)';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 'an IPv6 site-local address (fec0::/10)';
  if ((b[0]! & 0xe0) !== 0x20) return 'not a global unicast IPv6 address (outside 2000::/3)';
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return 'an IPv6 documentation address (2001:db8::/32)';
  if (b[0] === 0x20 && b[1] === 0x01 && (b[2]! & 0xfe) === 0x00) return 'an IETF protocol IPv6 address (2001::/23, Teredo included)';
  if (b[0] === 0x20 && b[1] === 0x02) return embedded(2, 'a 6to4 address');
  if (b[0] === 0x3f && b[1] === 0xff && (b[2]! & 0xf0) === 0x00) return 'an IPv6 documentation address (3fff::/20)';
  return null;
}

/** Why an address (IPv4 or IPv6 text, as DNS answers give it) is refused, or null when it is public. */
export function addressRefusal(address: string): string | null {
  const v4 = parseDottedIpv4(address);
  if (v4 !== null) return ipv4Refusal(v4);
  const v6 = parseIpv6(address);
  if (v6) return ipv6Refusal(v6);
  return `"${address}" is not an IP address`;
}

/** Why a host name (not an IP literal) is refused on its own, before any lookup; or null. */
export function nameRefusal(host: string): string | null {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return `${name} is this machine (localhost)`;
  if (!name.includes('.')) return `"${name}" is not a fully qualified public host name`;
  for (const suffix of LOCAL_SUFFIXES) {
    if (name === suffix || name.endsWith(`.${suffix}`)) return `.${suffix} names are private to a network, not public`;
  }
  for (const suffix of SPECIAL_SUFFIXES) {
    if (name === suffix || name.endsWith(`.${suffix}`)) return `.${suffix} is a special-use domain that has no public address`;
  }
  return null;
}

/**
 * Judges a webhook URL by its form alone. An IP-literal host is judged completely here; a named
 * host still needs its addresses checked (`publicAddress` over what dns.ts resolves), unless
 * `allowPrivate` is set.
 */
export function checkUrl(raw: string, options: GuardOptions): UrlVerdict {
  if (raw.length > MAX_URL_LENGTH) return { ok: false, reason: `longer than ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a valid absolute URL' };
  }
  const schemes = options.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    return { ok: false, reason: options.allowPrivate ? 'must be an http or https URL' : `must be https (got ${url.protocol.replace(/:$/, '')})` };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not contain credentials (user:password@); authenticate with the signature instead' };
  if (url.hash) return { ok: false, reason: 'must not contain a #fragment (it is never sent to the server)' };
  const host = url.hostname;
  if (!host) return { ok: false, reason: 'has no host' };

  const bracketed = host.startsWith('[');
  const v6 = bracketed ? parseIpv6(host) : null;
  if (bracketed && !v6) return { ok: false, reason: `${host} is not a valid IPv6 address` };
  // The URL parser writes every IPv4 form as a dotted quad; the loose parse guards against one that did not.
  const v4 = bracketed ? null : (parseDottedIpv4(host) ?? (/^[0-9a-fx.]+$/i.test(host) ? parseLooseIpv4(host) : null));
  const ip = v6 !== null || v4 !== null;

  if (!options.allowPrivate) {
    if (url.port !== '' && Number(url.port) < 1024) {
      return { ok: false, reason: `port ${url.port} is refused: use 443 (the default) or a port from 1024 up` };
    }
    if (v4 !== null) {
      const why = ipv4Refusal(v4);
      if (why) return { ok: false, reason: `${v4Text(v4)} is ${why}` };
    } else if (v6) {
      const why = ipv6Refusal(v6);
      if (why) return { ok: false, reason: `${host} is ${why}` };
    } else {
      const why = nameRefusal(host);
      if (why) return { ok: false, reason: why };
    }
  }
  return { ok: true, url, host: bracketed ? host.slice(1, -1) : host, ip };
}
