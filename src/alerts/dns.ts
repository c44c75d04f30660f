// Resolves webhook host names over DNS over HTTPS (the JSON API Cloudflare and Google serve), so the
// URL guard can see every address a name points at before anything is sent there. A Worker has no
// resolver of its own to ask; DoH is plain fetch, and its base URL is a setting (ALERTS_DOH_URL).
import { addressRefusal, checkUrl, type GuardOptions, type UrlVerdict } from './url-guard';

export class DnsError extends Error {}

/** DNS record types in the JSON API: A = 1, CNAME = 5, AAAA = 28. */
const TYPE = { A: 1, AAAA: 28 } as const;
const DNS_TIMEOUT_MS = 5000;

interface DohAnswer {
  Status?: number;
  Answer?: { name?: string; type?: number; data?: string }[];
}

export interface Resolver {
  /** Every A and AAAA address of `name` (after CNAMEs); empty when it has none. Throws DnsError when the lookup fails. */
  addresses(name: string): Promise<string[]>;
}

export function dohResolver(baseUrl: string, fetchImpl: typeof fetch): Resolver {
  const query = async (name: string, type: keyof typeof TYPE): Promise<string[]> => {
    const url = new URL(baseUrl);
    url.searchParams.set('name', name);
    url.searchParams.set('type', type);
    let res: Response;
    try {
      res = await fetchImpl(url.toString(), { headers: { accept: 'application/dns-json' }, signal: AbortSignal.timeout(DNS_TIMEOUT_MS) });
    } catch (err) {
      throw new DnsError(`DNS lookup of ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!res.ok) throw new DnsError(`DNS lookup of ${name} failed: the resolver answered ${res.status}`);
    let body: DohAnswer;
    try {
      body = (await res.json()) as DohAnswer;
    } catch {
      throw new DnsError(`DNS lookup of ${name} failed: the resolver's answer is not JSON`);
    }
    // 0 NOERROR; 3 NXDOMAIN is an answer (no addresses); anything else (SERVFAIL, REFUSED) is a failure.
    if (body.Status === 3) return [];
    if (body.Status !== 0) throw new DnsError(`DNS lookup of ${name} failed with status ${String(body.Status)}`);
    return (body.Answer ?? []).filter((a) => a.type === TYPE[type] && typeof a.data === 'string').map((a) => a.data!.trim());
  };
  return {
    async addresses(name) {
      const [a, aaaa] = await Promise.all([query(name, 'A'), query(name, 'AAAA')]);
      return [...a, ...aaaa];
    },
  };
}

export type GuardResult = UrlVerdict | { ok: false; reason: string; unavailable: true };

/**
 * The whole guard: the URL's form, then (for a named host, unless private URLs are allowed) every
 * address it resolves to. A lookup that fails is `unavailable` (try again later), not a refusal.
 */
export async function guardUrl(raw: string, options: GuardOptions, resolver: Resolver): Promise<GuardResult> {
  const verdict = checkUrl(raw, options);
  if (!verdict.ok || verdict.ip || options.allowPrivate) return verdict;
  let addresses: string[];
  try {
    addresses = await resolver.addresses(verdict.host.replace(/\.$/, ''));
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err), unavailable: true };
  }
  if (addresses.length === 0) return { ok: false, reason: `${verdict.host} does not resolve to any address` };
  for (const address of addresses) {
    const why = addressRefusal(address);
    if (why) return { ok: false, reason: `${verdict.host} resolves to ${address}, ${why}` };
  }
  return verdict;
}
