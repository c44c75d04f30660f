// The one way alerts reach the outside world (DNS-over-HTTPS lookups and webhook requests), so tests
// can stand in a fake resolver and receiver without any network.
import { readConfig, type Bindings } from '../env';
import { dohResolver, type Resolver } from './dns';

let override: typeof fetch | null = null;

/** Tests only: route every outbound alert request (DoH and webhooks) to `fetchImpl`. */
export function setAlertsFetch(fetchImpl: typeof fetch | null): void {
  override = fetchImpl;
}

/** The fetch alerts use. Wrapped: workerd's fetch throws "Illegal invocation" when called as another object's method. */
export function outboundFetch(): typeof fetch {
  return override ?? ((input, init) => fetch(input, init));
}

export function resolverFor(env: Bindings): Resolver {
  return dohResolver(readConfig(env).ALERTS_DOH_URL, outboundFetch());
}
