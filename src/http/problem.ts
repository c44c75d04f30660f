// RFC 9457 problem details: the one error shape of the API. Handlers throw `Problem`; the app's
// error handler renders it (and anything unexpected as a 500 without internals).
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

export interface FieldError {
  /** Where the bad value is: `query.limit`, `body.email`, `path.id`. */
  field: string;
  message: string;
}

const TYPE_BASE = 'https://gpubroker.dev/problems/';

export class Problem extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? title);
    this.name = 'Problem';
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new Problem(400, 'invalid-request', 'Invalid request', detail, errors);
export const notFound = (detail: string) => new Problem(404, 'not-found', 'Not found', detail);

export function problemResponse(c: Context, p: Problem): Response {
  const body = {
    type: TYPE_BASE + p.slug,
    title: p.title,
    status: p.status,
    ...(p.detail ? { detail: p.detail } : {}),
    instance: new URL(c.req.url).pathname,
    requestId: c.get('requestId') as string | undefined,
    ...(p.errors ? { errors: p.errors } : {}),
  };
  return new Response(JSON.stringify(body), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json', ...(p.headers ?? {}) },
  });
}

/** Field errors from a failed zod parse, prefixed with where the input came from. */
export function zodFieldErrors(error: z.ZodError, source: string): FieldError[] {
  return error.issues.flatMap((issue) => {
    const at = [source, ...issue.path.map(String)];
    // An unknown field is named itself, so `?maxprice=3` reports `query.maxprice`.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...at, key].join('.'), message: 'unknown field' }));
    }
    return [{ field: at.join('.'), message: issue.message }];
  });
}

/** Renders a validation failure as 400 problem+json naming every bad field. */
export function validationProblem(error: z.ZodError, source: string): Problem {
  const errors = zodFieldErrors(error, source);
  const fields = [...new Set(errors.map((e) => e.field))].join(', ');
  return badRequest(`invalid ${fields}`, errors);
}
