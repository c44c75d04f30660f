// One assistant turn: parse the message (with Workers AI for what the parser could not read, when
// configured), refine the conversation's last request, run the intent against the market, and reply.
// Bindings come in as arguments, so the whole turn runs in tests with a fake AI.
import { Problem } from '../../http/problem';
import { recommend } from '../recommend';
import { RecommendationRequestSchema } from '../request';
import type { RecommendationResult } from '../response';
import { aiParse, aiPhrase, type AiOptions, type AiOutcome, type AiRunner } from './ai';
import type { Facts } from './interpretation';
import { buildInterpretation, intentOf, mergeFacts, refine, type Interpretation, type PreviousRequest } from './interpret';
import { answerOffers, type OfferAnswer } from './offers';
import { parseMessage, type ParseResult } from './parse';
import { helpReply, ignoredNote, needMoreReply, offersReply, recommendationsReply, trendReply } from './reply';
import { answerTrend, type TrendAnswer } from './trend';

export type AssistantData =
  | ({ kind: 'offers' } & OfferAnswer)
  | { kind: 'recommendations'; recommendations: RecommendationResult }
  | { kind: 'trend'; trend: TrendAnswer };

export interface AssistResult {
  interpretation: Interpretation;
  data: AssistantData | null;
  reply: string;
  replySource: 'template' | 'ai';
  /** Outcome of each Workers AI call, when a binding is configured. */
  ai?: { parse?: AiOutcome; phrase?: AiOutcome };
  /** The request this turn stands for, stored so the next follow-up can refine it. */
  request: PreviousRequest;
}

export interface AssistInput {
  message: string;
  previous?: PreviousRequest;
  db: D1Database | D1DatabaseSession;
  ai?: AiRunner;
  aiOptions: AiOptions;
  now: number;
}

/** The parser missed something worth a model call: words it could not read, or nothing at all. */
function needsAi(parsed: ParseResult): boolean {
  if (parsed.signals.help && parsed.unparsed.length === 0) return false;
  return parsed.unparsed.length > 0 || intentOf(parsed.facts, parsed.signals, parsed.unparsed) === 'help';
}

export async function assist(input: AssistInput): Promise<AssistResult> {
  const parsed = parseMessage(input.message);
  const ai: AssistResult['ai'] = input.ai ? {} : undefined;
  let reading: ParseResult = parsed;
  let aiFields: string[] = [];
  if (input.ai && needsAi(parsed)) {
    const read = await aiParse(input.ai, input.message, input.aiOptions);
    ai!.parse = read.outcome;
    if (read.outcome === 'used' && (read.facts || read.intent === 'price_trend')) {
      // The parser's reading wins wherever it has one; the model only fills the gaps.
      const facts = mergeFacts(read.facts ?? {}, parsed.facts);
      aiFields = Object.keys(facts).filter((k) => parsed.facts[k as keyof Facts] === undefined);
      reading = { ...parsed, facts, signals: { ...parsed.signals, trend: parsed.signals.trend || read.intent === 'price_trend' } };
    }
  }

  const { intent, facts, refined } = refine(input.previous, reading);
  const interpretation = buildInterpretation(intent, facts, parsed, refined, aiFields);

  let data: AssistantData | null = null;
  let draft: string;
  if (intent === 'search_offers') {
    const answer = await answerOffers(input.db, interpretation.filters!, input.now);
    data = { kind: 'offers', ...answer };
    draft = offersReply(facts, answer) + ignoredNote(parsed.unparsed);
  } else if (intent === 'price_trend') {
    const trend = await answerTrend(input.db, interpretation.query!, input.now);
    data = { kind: 'trend', trend };
    draft = trendReply(trend) + ignoredNote(parsed.unparsed);
  } else if (intent === 'recommend') {
    const request = RecommendationRequestSchema.safeParse(interpretation.workload);
    if (!request.success) draft = needMoreReply(interpretation.summary, request.error.issues);
    else {
      try {
        const recommendations = await recommend(input.db, request.data, input.now);
        data = { kind: 'recommendations', recommendations };
        draft = recommendationsReply(facts, recommendations);
      } catch (err) {
        // The engine's "no single instance can run this" is an answer to give, not a failure.
        if (!(err instanceof Problem) || err.status !== 422) throw err;
        draft = `I read this as: ${interpretation.summary}. ${err.detail ?? err.title}.`;
      }
    }
    draft += ignoredNote(parsed.unparsed);
  } else {
    draft = helpReply(parsed.unparsed);
  }

  let reply = draft;
  let replySource: AssistResult['replySource'] = 'template';
  if (input.ai) {
    const phrased = await aiPhrase(input.ai, input.message, draft, input.aiOptions);
    ai!.phrase = phrased.outcome;
    if (phrased.reply) {
      reply = phrased.reply;
      replySource = 'ai';
    }
  }
  return { interpretation, data, reply, replySource, ...(ai ? { ai } : {}), request: { intent, facts } };
}
