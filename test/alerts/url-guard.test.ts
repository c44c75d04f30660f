// The webhook URL guard as a table: scheme, credentials, ports, every refused address range in IPv4
// and IPv6 (literal and embedded), numeric IPv4 tricks, local names, and names that resolve to
// refused addresses through a fake DNS-over-HTTPS resolver; with the local-development flag off and on.
import { describe, expect, it } from 'vitest';
import { dohResolver, guardUrl } from '../../src/alerts/dns';
import { addressRefusal, parseIpv6, parseLooseIpv4 } from '../../src/alerts/url-guard';
import { DOH, fakeDoh } from './fakes';

const DNS: Record<string, string[]> = {
  'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'rebind.example.com': ['10.1.2.3'],
  'meta.example.com': ['169.254.169.254'],
  'six.example.com': ['::1'],
  'mapped.example.com': ['::ffff:192.168.0.10'],
  'ula.example.com': ['fd00:ec2::254'],
  'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
  'cgnat.example.com': ['100.100.100.200'],
  'empty.example.com': [],
};

type Case = [url: string, ok: boolean, why?: RegExp];

const OFF: Case[] = [
  ['https://hooks.example.com/gpu', true],
  ['https://hooks.example.com:8443/gpu?x=1', true],
  ['https://1.1.1.1/hook', true],
  ['https://172.32.0.1/hook', true], // just outside 172.16.0.0/12
  ['https://[2606:4700::6810:84e5]/hook', true],
  ['http://hooks.example.com/gpu', false, /must be https/],
  ['ftp://hooks.example.com/gpu', false, /must be https/],
  ['https://user:secret@hooks.example.com/gpu', false, /credentials/],
  ['https://hooks.example.com/gpu#frag', false, /fragment/],
  ['https://hooks.example.com:22/', false, /port 22/],
  ['https://10.0.0.1/', false, /private address \(10\.0\.0\.0\/8\)/],
  ['https://172.16.5.4/', false, /172\.16\.0\.0\/12/],
  ['https://172.31.255.255/', false, /172\.16\.0\.0\/12/],
  ['https://192.168.1.1/', false, /192\.168\.0\.0\/16/],
  ['https://100.64.0.1/', false, /carrier-grade NAT/],
  ['https://127.0.0.1/', false, /loopback/],
  ['https://127.255.0.9/', false, /loopback/],
  ['https://169.254.169.254/latest/meta-data/', false, /link-local/],
  ['https://0.0.0.0/', false, /this network/],
  ['https://224.0.0.251/', false, /multicast/],
  ['https://255.255.255.255/', false, /reserved/],
  ['https://198.18.0.1/', false, /benchmarking/],
  ['https://2130706433/', false, /127\.0\.0\.1 is a loopback/], // decimal
  ['https://0x7f000001/', false, /127\.0\.0\.1 is a loopback/], // hex
  ['https://0177.0.0.1/', false, /127\.0\.0\.1 is a loopback/], // octal
  ['https://127.1/', false, /127\.0\.0\.1 is a loopback/], // short form
  ['https://0x0a.0.0.1/', false, /10\.0\.0\.1 is a private/],
  ['https://[::1]/', false, /IPv6 loopback/],
  ['https://[::]/', false, /unspecified/],
  ['https://[fe80::1]/', false, /link-local/],
  ['https://[fc00::1]/', false, /unique-local/],
  ['https://[fd12:3456::1]/', false, /unique-local/],
  ['https://[ff02::1]/', false, /multicast/],
  ['https://[::ffff:127.0.0.1]/', false, /IPv4-mapped IPv6 address of 127\.0\.0\.1/],
  ['https://[::ffff:a00:1]/', false, /IPv4-mapped IPv6 address of 10\.0\.0\.1/],
  ['https://[64:ff9b::a9fe:a9fe]/', false, /NAT64 address of 169\.254\.169\.254/],
  ['https://[2002:c0a8:101::1]/', false, /6to4 address of 192\.168\.1\.1/],
  ['https://[2001:db8::1]/', false, /documentation/],
  ['https://localhost/', false, /localhost/],
  ['https://LOCALHOST./hook', false, /localhost/],
  ['https://api.localhost/', false, /localhost/],
  ['https://metadata.google.internal/', false, /\.internal names/],
  ['https://printer.local/', false, /\.local names/],
  ['https://hooks.test/', false, /special-use/],
  ['https://intranet/', false, /not a fully qualified/],
  ['https://rebind.example.com/', false, /resolves to 10\.1\.2\.3, a private address/],
  ['https://meta.example.com/', false, /resolves to 169\.254\.169\.254, a link-local/],
  ['https://six.example.com/', false, /resolves to ::1, the IPv6 loopback/],
  ['https://mapped.example.com/', false, /resolves to ::ffff:192\.168\.0\.10, an IPv4-mapped/],
  ['https://ula.example.com/', false, /unique-local/],
  ['https://mixed.example.com/', false, /resolves to 127\.0\.0\.1/],
  ['https://cgnat.example.com/', false, /carrier-grade NAT/],
  ['https://empty.example.com/', false, /does not resolve to any address/],
  ['https://nowhere.example.com/', false, /does not resolve to any address/],
];

const ON: Case[] = [
  ['http://127.0.0.1:8823/hook', true],
  ['http://localhost:8823/hook', true],
  ['https://10.0.0.5/hook', true],
  ['http://rebind.example.com/', true],
  ['https://user:pw@127.0.0.1:8823/', false, /credentials/],
  ['ftp://127.0.0.1/', false, /http or https/],
];

describe('webhook URL guard, private URLs not allowed (the default)', () => {
  const resolver = dohResolver(DOH, fakeDoh(DNS));
  it.each(OFF)('%s → %s', async (url, ok, why) => {
    const verdict = await guardUrl(url, { allowPrivate: false }, resolver);
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok && why) expect(verdict.reason).toMatch(why);
  });
});

describe('webhook URL guard with ALERTS_ALLOW_PRIVATE_URLS', () => {
  it.each(ON)('%s → %s', async (url, ok, why) => {
    let lookups = 0;
    const resolver = dohResolver(DOH, async (input, init) => {
      lookups++;
      return fakeDoh(DNS)(input, init);
    });
    const verdict = await guardUrl(url, { allowPrivate: true }, resolver);
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok && why) expect(verdict.reason).toMatch(why);
    expect(lookups).toBe(0);
  });
});

describe('DNS over HTTPS', () => {
  it('asks for A and AAAA records as JSON, and skips CNAMEs in the answer', async () => {
    const asked: { url: URL; accept: string | null }[] = [];
    const resolver = dohResolver(DOH, async (input, init) => {
      const url = new URL(String(input));
      asked.push({ url, accept: new Headers(init?.headers).get('accept') });
      return fakeDoh(DNS)(input, init);
    });
    expect((await resolver.addresses('hooks.example.com')).sort()).toEqual(['2606:2800:220:1:248:1893:25c8:1946', '93.184.216.34']);
    expect(asked.map((a) => a.url.searchParams.get('type')).sort()).toEqual(['A', 'AAAA']);
    expect(asked.every((a) => a.accept === 'application/dns-json' && a.url.origin + a.url.pathname === DOH)).toBe(true);
  });

  it('says the check is unavailable, not refused, when the resolver fails', async () => {
    const down = dohResolver(DOH, async () => new Response('busy', { status: 503 }));
    const verdict = await guardUrl('https://hooks.example.com/', { allowPrivate: false }, down);
    expect(verdict).toMatchObject({ ok: false, unavailable: true, reason: expect.stringMatching(/answered 503/) });
    const servfail = dohResolver(DOH, async () => Response.json({ Status: 2 }));
    expect(await guardUrl('https://hooks.example.com/', { allowPrivate: false }, servfail)).toMatchObject({ ok: false, unavailable: true });
  });
});

describe('address parsing', () => {
  it('reads inet_aton IPv4 forms', () => {
    expect(parseLooseIpv4('127.1')).toBe(0x7f000001);
    expect(parseLooseIpv4('0x7f.0.0.1')).toBe(0x7f000001);
    expect(parseLooseIpv4('0177.0.0.01')).toBe(0x7f000001);
    expect(parseLooseIpv4('2130706433')).toBe(0x7f000001);
    expect(parseLooseIpv4('256.0.0.1')).toBeNull();
    expect(parseLooseIpv4('example')).toBeNull();
  });

  it('reads IPv6 with compression and embedded IPv4, and refuses malformed text', () => {
    expect(Array.from(parseIpv6('::ffff:10.0.0.1')!.slice(10))).toEqual([0xff, 0xff, 10, 0, 0, 1]);
    expect(Array.from(parseIpv6('[2001:db8::1]')!)).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6('1::2::3')).toBeNull();
    expect(parseIpv6('12345::1')).toBeNull();
    expect(addressRefusal('2606:4700::6810:84e5')).toBeNull();
    expect(addressRefusal('8.8.8.8')).toBeNull();
    expect(addressRefusal('not-an-ip')).toMatch(/not an IP address/);
  });
});
