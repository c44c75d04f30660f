// Checkout amounts are checked as written, before JSON.parse rounds them away: `5e1`, `50.001` or a
// bare `NaN` are refused with a problem naming body.amountUsd rather than read as 50 or as a syntax error.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env';
import { badRequest } from '../../http/problem';
import { centsFromUsdLexeme, topLevelNumberSource } from './amount';

const FIELD = 'body.amountUsd';
const MESSAGE = 'a plain number of dollars with at most two decimals, e.g. 50 or 49.99';

export const checkoutAmountGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  const text = await c.req.text();
  let source: string | undefined;
  try {
    source = topLevelNumberSource(text, 'amountUsd');
  } catch {
    // Not JSON at all; name the amount when it is what broke it (NaN, Infinity, +5, .5, 05).
    if (/"amountUsd"\s*:\s*(?:NaN|[+-]?Infinity|\+|\.|-?0\d)/.test(text)) throw badRequest(`invalid ${FIELD}`, [{ field: FIELD, message: MESSAGE }]);
    throw badRequest('the body is not valid JSON', [{ field: 'body', message: 'not valid JSON' }]);
  }
  // Strings, negatives and out-of-range values are the schema's to name; here only the written form.
  if (source !== undefined && !source.startsWith('-') && centsFromUsdLexeme(source) === null) throw badRequest(`invalid ${FIELD}`, [{ field: FIELD, message: MESSAGE }]);
  await next();
};
