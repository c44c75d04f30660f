// Optional Workers AI help: read what the deterministic parser could not (asking the model for JSON
// in the facts schema), and phrase the reply. Nothing the model returns is trusted: the JSON is
// normalised and validated by zod, a phrased reply may only quote numbers the template reply holds,
// and any error, timeout or invalid output falls back to the deterministic path.
import { z } from '@hono/zod-openapi';
import { resolveGpuModel } from '../../catalog/gpus';
import { FactsObject, FactsSchema, INTENTS, type Facts, type Intent } from './interpretation';

/** The slice of the Workers AI binding used here; a fake with the same `run` stands in for it in tests. */
export interface AiRunner {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}

export interface AiOptions {
  model: string;
  timeoutMs: number;
}

export type AiOutcome = 'used' | 'invalid' | 'failed' | 'timeout';

class AiTimeout extends Error {}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new AiTimeout()), ms)))]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

/** The model's text or JSON answer: `{response: object}` in JSON mode, `{response: "text"}` otherwise. */
function responseOf(result: unknown): unknown {
  if (result && typeof result === 'object' && 'response' in result) return (result as { response: unknown }).response;
  return result;
}

/** The first JSON object in a text answer (models sometimes wrap it in prose or a code fence). */
function jsonIn(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const start = value.indexOf('{');
  const end = value.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(value.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

const AiParseSchema = z.object({ intent: z.enum(INTENTS).optional(), facts: FactsSchema.optional() });

/** What the model is asked to fill: the facts without the reply-only `places`. */
const REQUEST_SCHEMA = (() => {
  const { $schema: _s, ...schema } = z.toJSONSchema(
    z.object({ intent: z.enum(INTENTS), facts: FactsObject.omit({ places: true }) }),
    { unrepresentable: 'any' },
  ) as Record<string, unknown>;
  return schema;
})();

const PARSE_PROMPT =
  'You turn a message to a GPU rental marketplace into JSON. Answer only with JSON matching the schema. ' +
  'intent: search_offers (list offers), recommend (a job to run, with hours, budget or a model), price_trend ' +
  '(how prices moved or will move), help (anything else). facts: only what the message states; leave a field out ' +
  'when not stated. GPU models by name (H100, A100 80GB, RTX 4090, MI300X). Countries as ISO 3166-1 alpha-2 codes. ' +
  'Money in US dollars: maxPricePerGpuHour per GPU per hour, maxPricePerHour for a whole multi-GPU machine per hour, ' +
  'budgetUsd for the whole job. modelParamsB in billions of parameters. The message may be in any language.';

/** Drops nulls, maps GPU names to canonical ones (dropping those that map to none), upper-cases countries. */
function normaliseFacts(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  if (Array.isArray(out.gpuModels)) {
    const names = out.gpuModels.flatMap((g) => (typeof g === 'string' ? [resolveGpuModel(g)?.name] : [])).filter((n): n is string => !!n);
    if (names.length) out.gpuModels = [...new Set(names)];
    else delete out.gpuModels;
  }
  if (Array.isArray(out.countries)) out.countries = out.countries.map((c) => (typeof c === 'string' ? c.toUpperCase() : c));
  return out;
}

/** Asks the model to read the message; the facts it returns only if they pass the schema. */
export async function aiParse(ai: AiRunner, message: string, options: AiOptions): Promise<{ outcome: AiOutcome; intent?: Intent; facts?: Facts }> {
  let result: unknown;
  try {
    result = await withTimeout(
      ai.run(options.model, {
        messages: [
          { role: 'system', content: PARSE_PROMPT },
          { role: 'user', content: message },
        ],
        response_format: { type: 'json_schema', json_schema: REQUEST_SCHEMA },
        max_tokens: 400,
        temperature: 0,
      }),
      options.timeoutMs,
    );
  } catch (err) {
    return { outcome: err instanceof AiTimeout ? 'timeout' : 'failed' };
  }
  const json = jsonIn(responseOf(result));
  if (!json || typeof json !== 'object') return { outcome: 'invalid' };
  const candidate = { ...(json as Record<string, unknown>) };
  if ('facts' in candidate) candidate.facts = normaliseFacts(candidate.facts);
  const parsed = AiParseSchema.safeParse(candidate);
  if (!parsed.success) return { outcome: 'invalid' };
  return { outcome: 'used', intent: parsed.data.intent, facts: parsed.data.facts };
}

const PHRASE_PROMPT =
  'Rewrite the draft answer of a GPU marketplace assistant as a short, friendly reply in plain English: at most three ' +
  'sentences, no markdown, no lists. Keep every fact; use only numbers, prices and names that appear in the draft; ' +
  'add nothing else.';

/** Every number the text states ("$2.89", "8x", "5.6%"), normalised so "2.90" and "2.9" compare equal. */
function numbersIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\d[\d,]*(?:\.\d+)?/g)].map((m) => String(Number(m[0].replace(/,/g, '')))));
}

export const MAX_REPLY_CHARS = 600;

/** The model's wording of `draft`, or undefined when it failed, timed out, or stated a number the draft does not. */
export async function aiPhrase(ai: AiRunner, message: string, draft: string, options: AiOptions): Promise<{ outcome: AiOutcome; reply?: string }> {
  let result: unknown;
  try {
    result = await withTimeout(
      ai.run(options.model, {
        messages: [
          { role: 'system', content: PHRASE_PROMPT },
          { role: 'user', content: `Question: ${message}\n\nDraft answer: ${draft}` },
        ],
        max_tokens: 220,
        temperature: 0.2,
      }),
      options.timeoutMs,
    );
  } catch (err) {
    return { outcome: err instanceof AiTimeout ? 'timeout' : 'failed' };
  }
  const text = responseOf(result);
  if (typeof text !== 'string') return { outcome: 'invalid' };
  const reply = text.trim().replace(/\s+/g, ' ');
  if (reply.length === 0 || reply.length > MAX_REPLY_CHARS) return { outcome: 'invalid' };
  const allowed = numbersIn(draft);
  for (const n of numbersIn(reply)) if (!allowed.has(n)) return { outcome: 'invalid' };
  return { outcome: 'used', reply };
}
