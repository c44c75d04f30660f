// Request-body guards for /v1/*: at most 1 MB (by Content-Length, and by counting when the body is
// streamed without one), and JSON only for methods that carry a body.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../app-env';
import { Problem, problemResponse } from './problem';

export const MAX_BODY_BYTES = 1024 * 1024;

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
/** `application/json` or a JSON-based type such as `application/merge-patch+json`, any parameters. */
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

const limit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => problemResponse(c, new Problem(413, 'payload-too-large', 'Payload too large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`)),
});

export const bodyGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  const raw = c.req.raw;
  const hasBody = raw.body !== null && raw.headers.get('content-length') !== '0';
  if (hasBody && WITH_BODY.has(raw.method) && !JSON_TYPE.test(raw.headers.get('content-type') ?? '')) {
    throw new Problem(415, 'unsupported-media-type', 'Unsupported media type', 'send the request body as application/json');
  }
  return limit(c, next);
};
