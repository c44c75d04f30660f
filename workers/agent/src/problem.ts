// RFC 9457 problem details, the one error shape of the agent: `{type, title, status, detail, code,
// retryable}` (+ `errors[]` naming bad fields). `retryable` tells the Worker whether the same job
// may succeed later; `code` tells it what happened (no_capacity → fail over).
import { ProviderError, type ProviderId } from './providers/types';

export type ProblemCode =
  | 'invalid_request'
  | 'invalid_signature'
  | 'payload_too_large'
  | 'provider_auth'
  | 'no_capacity'
  | 'not_found'
  | 'not_supported'
  | 'job_conflict'
  | 'provider_error'
  | 'provider_timeout'
  | 'internal';

export interface FieldError {
  /** Where the bad value is: `body.target.podId`, `query.provider`. */
  field: string;
  message: string;
}

type ProblemStatus = 400 | 401 | 404 | 409 | 413 | 500 | 502 | 504;

const TITLES: Record<ProblemCode, string> = {
  invalid_request: 'Invalid request',
  invalid_signature: 'Invalid signature',
  payload_too_large: 'Payload too large',
  provider_auth: 'Provider credentials missing or refused',
  no_capacity: 'No capacity',
  not_found: 'Pod not found',
  not_supported: 'Not supported by this provider',
  job_conflict: 'Job id reused with another job',
  provider_error: 'Provider error',
  provider_timeout: 'Provider timed out',
  internal: 'Internal error',
};

const TYPE_BASE = 'https://gpubroker.dev/problems/agent/';

export class AgentProblem extends Error {
  constructor(
    readonly status: ProblemStatus,
    readonly code: ProblemCode,
    readonly detail: string,
    readonly retryable: boolean,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = 'AgentProblem';
  }

  toJSON(): Record<string, unknown> {
    return {
      type: TYPE_BASE + this.code.replace(/_/g, '-'),
      title: TITLES[this.code],
      status: this.status,
      detail: this.detail,
      code: this.code,
      retryable: this.retryable,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export const invalidRequest = (errors: FieldError[]): AgentProblem =>
  new AgentProblem(400, 'invalid_request', `invalid ${[...new Set(errors.map((e) => e.field))].join(', ')}`, false, errors);

export const notConfigured = (provider: ProviderId): AgentProblem =>
  new AgentProblem(401, 'provider_auth', `provider ${provider} is not configured on this agent (set ${provider.toUpperCase()}_API_KEY)`, false);

/** What a provider failure means to the caller. */
export function problemFromProviderError(err: ProviderError): AgentProblem {
  const detail = `${err.provider}: ${err.message}`;
  switch (err.kind) {
    case 'auth':
      return new AgentProblem(401, 'provider_auth', detail, false);
    case 'no_capacity':
      return new AgentProblem(409, 'no_capacity', detail, false);
    case 'not_found':
      return new AgentProblem(409, 'not_found', detail, false);
    case 'not_supported':
      return new AgentProblem(409, 'not_supported', detail, false);
    case 'invalid':
      return new AgentProblem(400, 'invalid_request', detail, false, err.extra.field ? [{ field: err.extra.field, message: err.message }] : undefined);
    case 'rejected':
      // A 4xx we cannot classify: the provider will refuse the same call again.
      return new AgentProblem(502, 'provider_error', detail, false);
    case 'timeout':
      return new AgentProblem(504, 'provider_timeout', detail, true);
    case 'rate_limited':
    case 'unavailable':
    case 'network':
    case 'bad_response':
      return new AgentProblem(502, 'provider_error', detail, true);
  }
}

/** Any thrown value as a problem; unexpected ones become a 500 without internals. */
export function toProblem(err: unknown): AgentProblem {
  if (err instanceof AgentProblem) return err;
  if (err instanceof ProviderError) return problemFromProviderError(err);
  return new AgentProblem(500, 'internal', 'the agent failed unexpectedly; see its logs', true);
}

export function problemResponse(problem: AgentProblem): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json' },
  });
}
