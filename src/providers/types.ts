// The provider adapter contract (see shared/DESIGN.md) and the typed errors adapters throw.
import type { NormalizedOffer } from '../catalog/offer';

/** What an adapter is given for one pull. Everything that varies per environment comes in here. */
export interface ProviderContext {
  /** Base URL of the provider's API, already resolved from `<NAME>_API_URL` or the default. */
  baseUrl: string;
  /** API key from `<NAME>_API_KEY`, or undefined when not set. */
  apiKey: string | undefined;
  /** The fetch to use; tests pass one that serves fixtures. */
  fetch: typeof fetch;
  /** Epoch ms of this pull; adapters stamp `observedAt` with it unless the provider gives a time. */
  now: number;
  /** Aborts the pull when the per-provider timeout fires. */
  signal: AbortSignal;
  /** Provider-specific settings (e.g. the simulator's seed), already read from the environment. */
  settings: Readonly<Record<string, string | undefined>>;
}

export interface ProviderPull {
  offers: NormalizedOffer[];
  /** GPU names the registry could not map, with how many offers carried each. */
  unknownGpuNames: Record<string, number>;
  /** Provider records dropped as unusable (zero/negative price, no GPU, malformed), with why. */
  skipped: number;
}

export interface ProviderAdapter {
  /** Lower-case id used in offers, URLs and env names (`RUNPOD` → `runpod`). */
  readonly id: string;
  readonly displayName: string;
  /** Default public API base URL; overridden by `<ID>_API_URL`. */
  readonly defaultBaseUrl: string;
  /** True when the provider's price API answers without a key (e.g. Vast.ai). */
  readonly keyOptional: boolean;
  /** Link to the API documentation the adapter follows. */
  readonly docsUrl: string;
  listOffers(ctx: ProviderContext): Promise<ProviderPull>;
}

export type ProviderErrorKind = 'auth' | 'rate_limited' | 'timeout' | 'bad_response' | 'unavailable' | 'network';

/** The only error type adapters throw; ingestion records `kind` and `message` in provider health. */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly kind: ProviderErrorKind,
    message: string,
    readonly status?: number,
    /** Seconds the provider asked us to wait (from `Retry-After`), when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${provider}: ${kind}: ${message}`);
    this.name = 'ProviderError';
  }
}
