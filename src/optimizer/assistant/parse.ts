// The deterministic parser: one message in, the facts it states and the words it could not read out.
// Pure and offline. Extractors run in a fixed order over the lower-cased text, each consuming what it
// matched, so later ones never re-read a span ("8x7B" is a model size before it could be a GPU count;
// "last 24h" is a trend window before it could be a duration).
//
// Money rules (the ambiguous part, so stated here):
// - "$3/GPU-hr", "$3 per GPU", "2 dollars per GPU hour" → price per GPU-hour.
// - "$25/h", "$25 an hour", "$25 hourly" → whole-instance price when the message names more than one
//   GPU ("8x H100 under $25/h"), else per GPU-hour (one GPU, or the market's per-GPU quoting).
// - "budget $300", "$300 total", "spend $300" → total budget.
// - A bare amount ("under $2", "$1.5k"): a budget when the message describes a job (hours, a model, a
//   job kind) or when it is more than $20 per GPU (no hourly price is that high); else an hourly
//   price by the rule above.
import { GPU_MODELS, gpuKey, resolveGpuModel, statedMemoryGb, type GpuSpec } from '../../catalog/gpus';
import type { Pricing } from '../../catalog/offer';
import type { Facts } from './interpretation';
import {
  COUNT_PHRASES,
  DOMAIN_WORDS,
  ISO_CODES,
  NAMED_MODELS,
  NUMBER_WORDS,
  PLACES,
  PROVIDER_NAMES,
  SIZED_FAMILIES,
  STOPWORDS,
  type JobKind,
} from './lexicon';

export interface Signals {
  /** Trend words: "trend", "move", "drop", "forecast"… */
  trend: boolean;
  /** Help words or a greeting. */
  help: boolean;
  /** Follow-up markers: "and …", "what about …", "make it …", "… instead". */
  followUp: boolean;
  /** Words that are about GPUs without setting a field ("gpu offers"). */
  domain: boolean;
}

export interface ParseResult {
  facts: Facts;
  signals: Signals;
  /** Phrases not understood, in message order. */
  unparsed: string[];
  /** Share of meaningful words understood, 0..1 (two decimals). */
  confidence: number;
}

/** At most this many unparsed phrases are reported, each cut to this length. */
const MAX_UNPARSED = 20;
const MAX_PHRASE = 60;

const NUM = String.raw`\d+(?:\.\d+)?`;
const WORD_NUMBERS = Object.keys(NUMBER_WORDS).sort((a, b) => b.length - a.length).join('|');
const COUNT_WORDS = [...Object.keys(COUNT_PHRASES), ...Object.keys(NUMBER_WORDS)].sort((a, b) => b.length - a.length).join('|');
/** Word edges that also work next to punctuation ("u.s.", "$"), unlike `\b`. */
const L = '(?<![a-z0-9])';
const R = '(?![a-z0-9])';

const rx = (source: string) => new RegExp(source, 'g');

/** A count written just before a GPU name: "8x ", "at least 2 ", "eight ", "a pair of ". */
const COUNT_BEFORE = new RegExp(String.raw`(?:^|[^a-z0-9$.,])(?:(at least|up to|at most|no more than)\s+)?(?:(\d{1,4})\s*(\+)?\s*(?:x|\*)?|(${COUNT_WORDS}))\s*$`);

function numberOf(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t in NUMBER_WORDS) return NUMBER_WORDS[t];
  if (t in COUNT_PHRASES) return COUNT_PHRASES[t];
  if (/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(t)) return Number(t.replace(/,/g, ''));
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : undefined;
}

const SCALE: Record<string, number> = { k: 1e3, thousand: 1e3, m: 1e6, million: 1e6, b: 1e9, billion: 1e9, t: 1e12, trillion: 1e12 };

const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The text with consumed spans; every extractor asks it for matches that avoid what others took. */
class Scan {
  readonly used: Uint8Array;
  constructor(
    readonly lower: string,
    readonly cased: string,
  ) {
    this.used = new Uint8Array(lower.length);
  }

  free(start: number, end: number): boolean {
    for (let i = start; i < end; i++) if (this.used[i]) return false;
    return true;
  }

  take(start: number, end: number): void {
    this.used.fill(1, start, end);
  }

  /**
   * Calls `accept` for each match of `pattern` lying wholly in unconsumed text, and consumes it unless
   * `accept` returns false. A match that overlaps consumed text is retried one character later, so
   * "under $25" still finds "$25" when "under" was taken.
   */
  each(pattern: RegExp, accept: (m: RegExpExecArray, start: number) => boolean | void, onCased = false): void {
    const text = onCased ? this.cased : this.lower;
    pattern.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = pattern.exec(text)) !== null) {
      const start = m.index;
      const end = start + m[0].length;
      if (end === start) {
        pattern.lastIndex = start + 1;
        continue;
      }
      if (this.free(start, end) && accept(m, start) !== false) {
        this.take(start, end);
        pattern.lastIndex = end;
      } else {
        pattern.lastIndex = start + 1;
      }
    }
  }
}

/** NFKC, one kind of quote and dash, "×" as "x", and "8xH100" split into "8x H100". Case is kept. */
function normalize(message: string): string {
  return message
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2010-\u2015]/g, '-')
    .replace(/\u00d7/g, 'x')
    .replace(/(?<![a-z0-9.])(\d{1,4})\s*x(?=[a-z])/gi, '$1x ')
    .replace(/\s+/g, ' ');
}

/** Lower case without changing length, so offsets in `lower` and `cased` agree. */
function lowerSameLength(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = '';
  for (const ch of text) {
    const l = ch.toLowerCase();
    out += l.length === ch.length ? l : ch;
  }
  return out;
}

// ── GPU names ─────────────────────────────────────────────────────────────────────────────────────

/** Bare GeForce numbers people write without "RTX": "4090" → RTX-4090. */
const BARE_NUMBER_MODELS = new Map(
  GPU_MODELS.flatMap((spec) => {
    const m = /^RTX-(\d{4})$/.exec(spec.name);
    return m ? [[m[1]!, spec] as const] : [];
  }),
);
const MEMORY_WORDS = /\b\d{1,3}\s?(?:gib|gb|g)\b/g;
const VENDOR_WORDS = ['nvidia', 'geforce', 'tesla', 'amd', 'radeon', 'instinct', 'intel', 'habana'];

/**
 * Words a GPU name can start with (its first word past vendor words, plus the vendor words): only
 * phrases starting with one are looked up, which keeps long messages cheap.
 */
const GPU_FIRST_WORDS: ReadonlySet<string> = new Set([
  ...VENDOR_WORDS,
  ...BARE_NUMBER_MODELS.keys(),
  ...GPU_MODELS.flatMap((spec) =>
    [spec.name, spec.family, ...spec.aliases].map(
      (name) => name.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w && !VENDOR_WORDS.includes(w) && w !== 'gpu' && !/^\d{1,2}x$/.test(w))[0] ?? '',
    ),
  ),
]);

/**
 * The canonical models a phrase names. A bare family name ("H100", "A100 80GB") means every model of
 * the family (with that memory): asking for "A100s" should not hide the PCIe ones.
 */
function gpuModelsOf(phrase: string): string[] | undefined {
  for (const candidate of phrase.endsWith('s') ? [phrase, phrase.slice(0, -1)] : [phrase]) {
    const bare = BARE_NUMBER_MODELS.get(candidate.trim());
    if (bare) return [bare.name];
    if (/^\d/.test(candidate)) continue;
    const spec = resolveGpuModel(candidate);
    if (spec) return expandFamily(spec, candidate);
  }
  return undefined;
}

function expandFamily(spec: GpuSpec, phrase: string): string[] {
  const family = GPU_MODELS.filter((s) => s.family === spec.family);
  if (family.length === 1 || gpuKey(phrase.replace(MEMORY_WORDS, ' ')) !== gpuKey(spec.family)) return [spec.name];
  const memory = statedMemoryGb(phrase);
  const members = memory === undefined ? family : family.filter((s) => Math.abs(s.vramGb - memory) <= Math.max(4, s.vramGb * 0.1));
  return (members.length ? members : [spec]).map((s) => s.name);
}

// ── the parser ────────────────────────────────────────────────────────────────────────────────────

type MoneyUnit = 'gpu_hour' | 'hour' | 'total' | 'bare';

export function parseMessage(message: string): ParseResult {
  const cased = normalize(message);
  const scan = new Scan(lowerSameLength(cased), cased);
  const facts: Facts = {};
  const signals: Signals = { trend: false, help: false, followUp: false, domain: false };
  const money: Array<{ amount: number; unit: MoneyUnit }> = [];
  const kinds = new Set<JobKind>();
  let namedKind: JobKind | undefined;

  const addTo = <K extends 'countries' | 'regions' | 'places' | 'providers' | 'excludeProviders' | 'gpuModels' | 'pricing'>(
    key: K,
    values: readonly NonNullable<Facts[K]>[number][],
  ) => {
    const list = (facts[key] ?? []) as NonNullable<Facts[K]>[number][];
    for (const v of values) if (!list.includes(v)) list.push(v);
    (facts as Record<string, unknown>)[key] = list;
  };

  // Help and greetings.
  scan.each(rx(String.raw`^\s*(?:hi|hello|hey|hallo)\b|\bhelp\b|\bwhat can you do\b|\bhow does (?:this|it) work\b|\bexamples?\b`), () => {
    signals.help = true;
  });

  // "top 5": how many answers, before it could be a GPU count.
  scan.each(rx(String.raw`\btop[\s-]?(\d{1,2})\b`), (m) => {
    const n = Number(m[1]);
    if (n < 1 || n > 20) return false;
    facts.limit = n;
  });

  // Trend windows: "last 24h", "past week", "this month", "today".
  const setWindow = (hours: number) => {
    facts.window = hours <= 24 ? '24h' : hours <= 168 ? '7d' : '30d';
  };
  scan.each(
    rx(String.raw`\b(?:(?:in|over|during|for)\s+)?(?:the\s+)?(?:last|past|previous)\s+(?:(${NUM}|${WORD_NUMBERS}|few|couple of|a couple of)\s*)?(hours?|hrs?|h|days?|d|weeks?|wks?|months?)\b`),
    (m) => {
      const n = m[1] === undefined ? 1 : /few|couple/.test(m[1]) ? (m[1].includes('couple') ? 2 : 3) : numberOf(m[1]);
      if (n === undefined) return false;
      const unit = m[2]!;
      setWindow(n * (unit.startsWith('h') ? 1 : unit.startsWith('d') ? 24 : unit.startsWith('w') ? 168 : 720));
    },
  );
  scan.each(rx(String.raw`\b(?:(?:in|during|over)\s+)?(?:this|the current)\s+(week|month)\b|\b(?:today|since yesterday|yesterday)\b`), (m) => {
    setWindow(m[1] === 'week' ? 168 : m[1] === 'month' ? 720 : 24);
  });

  // Money. See the module comment for how a unit (or its absence) is read.
  const MONEY = rx(
    String.raw`(?<pre>\b(?:(?:my|a|the|with a|total|overall)\s+)?budget(?:\s+(?:of|is|at|around|about|under|below))?\s*:?\s*|\bspend(?:ing)?(?:\s+(?:at most|up to|no more than|under|about|around|less than))?\s*)?` +
      String.raw`(?:(?:\b(?:under|below|less than|lower than|cheaper than|at most|no more than|not more than|up to|max(?:imum)?|within|about|around|roughly)|<=?|≤|~)\s*)?` +
      String.raw`(?:\$\s*(?<a>\d{1,3}(?:,\d{3})+(?:\.\d+)?|${NUM})\s*(?<ka>k\b|thousand\b)?|\b(?<b>\d{1,3}(?:,\d{3})+(?:\.\d+)?|${NUM})\s*(?<kb>k|thousand)?\s*(?:usd|dollars?|bucks)\b|\b(?<c>${NUM})(?=\s*(?:\/|per)\s*(?:gpu[\s/-]*)?(?:h|hr|hrs|hour)\b))` +
      String.raw`(?<unit>\s*(?:\/|\bper\b|\ban?\b|\beach\b)\s*(?:(?:gpu|card)[\s/-]*)?(?:h|hr|hrs|hour)\b(?:\s*(?:\/|per|each)\s*(?:gpu|card)\b)?|\s*(?:\/|\bper\b)\s*(?:gpu|card)\b(?:[\s/-]*(?:h|hr|hrs|hour)\b)?|\s*hourly\b)?` +
      String.raw`(?<post>\s*(?:in total|total|overall|budget|all[\s-]in)\b)?`,
  );
  scan.each(MONEY, (m) => {
    const g = m.groups!;
    const raw = g.a ?? g.b ?? g.c;
    const base = raw === undefined ? undefined : numberOf(raw);
    if (base === undefined) return false;
    const amount = base * (g.ka || g.kb ? 1000 : 1);
    if (amount <= 0) return false;
    const unitText = g.unit ?? '';
    const unit: MoneyUnit =
      g.pre || g.post ? 'total' : /gpu|card/.test(unitText) ? 'gpu_hour' : /h/.test(unitText) ? 'hour' : 'bare';
    money.push({ amount, unit });
  });

  // Token figures: context, throughput, dataset size; epochs, batch size, TFLOPS.
  const scaled = (n: string, suffix: string | undefined) => Number(n) * (suffix ? (SCALE[suffix] ?? 1) : 1);
  const CONTEXT_WORDS = String.raw`(?:context(?:[\s-](?:window|length|size))?|ctx|seq(?:uence)?[\s-]?len(?:gth)?)`;
  // Context sizes count in powers of two: "8k context" is 8,192 tokens, "128k" 131,072.
  const contextTokens = (n: string, suffix: string | undefined) => Math.round(Number(n) * (suffix === 'k' ? 1024 : suffix === 'm' ? 1024 * 1024 : 1));
  scan.each(rx(String.raw`\b(${NUM})\s*(k|m)?\s*(?:tokens?\s+)?(?:of\s+)?${CONTEXT_WORDS}\b|\b${CONTEXT_WORDS}\s*(?:of|=|:|is)?\s*(${NUM})\s*(k|m)?(?:\s*tokens?)?\b`), (m) => {
    facts.contextTokens = m[1] ? contextTokens(m[1], m[2]) : contextTokens(m[3]!, m[4]);
  });
  scan.each(rx(String.raw`\b(${NUM})\s*(k)?\s*(?:tokens?|toks?)\s*(?:\/|per)\s*(?:s|sec|second)\b|\b(${NUM})\s*(k)?\s*(?:tps|tok\/s|t\/s)(?![a-z0-9])`), (m) => {
    facts.tokensPerSecond = m[1] ? scaled(m[1], m[2]) : scaled(m[3]!, m[4]);
  });
  scan.each(rx(String.raw`\b(${NUM})\s*(k|m|b|t|thousand|million|billion|trillion)?[\s-]*tokens?\b`), (m) => {
    const n = scaled(m[1]!, m[2]);
    if (n >= 1e6) facts.datasetTokens = n;
    else facts.contextTokens = Math.round(n);
  });
  scan.each(rx(String.raw`\b(\d+|${WORD_NUMBERS})\s*epochs?\b`), (m) => {
    facts.epochs = numberOf(m[1]!);
  });
  scan.each(rx(String.raw`\bbatch[\s-]?size\s*(?:of|=|:|is)?\s*(\d{1,5})\b|\b(\d{1,5})\s*batch[\s-]?size\b`), (m) => {
    facts.batchSize = Number(m[1] ?? m[2]);
  });
  scan.each(rx(String.raw`(?:\b(?:at least|min(?:imum)?|over)\s*|>=?\s*)?\b(${NUM})\s*(?:(?:fp16|bf16)\s+)?tflops\b`), (m) => {
    facts.minTflops = Number(m[1]);
  });

  // Models: well-known names, "<family> [version] <size>B", then bare sizes ("70B", "7 billion parameters").
  scan.each(rx(`${L}(?:${SIZED_FAMILIES.map((f) => `(${f.pattern})`).join('|')})(?:[\\s-]?v?(${NUM}))?[\\s-]+(${NUM})\\s*b(?:[\\s-]*(?:instruct|chat|base|it|coder|hf))?${R}`), (m) => {
    const index = SIZED_FAMILIES.findIndex((_, i) => m[i + 1] !== undefined);
    const family = SIZED_FAMILIES[index]!;
    const version = m[SIZED_FAMILIES.length + 1];
    const size = Number(m[SIZED_FAMILIES.length + 2]);
    facts.modelName = `${family.name}${version ? ' ' + version : ''} ${size}B`;
    facts.modelParamsB = size;
  });
  for (const model of NAMED_MODELS) {
    scan.each(rx(`${L}(?:${model.pattern})${R}`), () => {
      facts.modelName = model.name;
      facts.modelParamsB = model.paramsB;
      if (model.kind) namedKind = model.kind;
    });
  }
  scan.each(rx(String.raw`${L}(llama|qwen|gemma|falcon)(?:[\s-]?(\d(?:\.\d)?))?${R}`), (m) => {
    // A family without a size: the name is kept so the reply can ask which size.
    facts.modelName ??= `${SIZED_FAMILIES.find((f) => new RegExp(`^${f.pattern}$`).test(m[1]!))!.name}${m[2] ? ' ' + m[2] : ''}`;
  });
  scan.each(rx(String.raw`\b(\d)\s*x\s*(\d{1,3})\s*b\b`), (m) => {
    facts.modelParamsB = Number(m[1]) * Number(m[2]);
  });
  scan.each(rx(String.raw`\b(${NUM})\s*(?:b|bn|billion)(?:[\s-]*(?:param(?:eter)?s?|model))?\b`), (m) => {
    facts.modelParamsB = Number(m[1]);
  });
  scan.each(rx(String.raw`\b(${NUM})\s*(?:m|million)[\s-]*param(?:eter)?s?\b`), (m) => {
    facts.modelParamsB = round(Number(m[1]) / 1000);
  });

  // Durations: "for about 10 hours", "2 days", "a week", "overnight".
  const unitHours = (unit: string) =>
    unit.startsWith('mo') ? 720 : unit.startsWith('mi') ? 1 / 60 : unit.startsWith('w') ? 168 : unit.startsWith('d') ? 24 : 1;
  scan.each(
    rx(
      String.raw`(?:\bfor\s+)?(?:(?:\b(?:about|around|roughly|approximately|approx\.?|maybe|some|at least|up to|at most)|~)\s*)?` +
        String.raw`(?:\b(${NUM})\s*(hours?|hrs?|h|days?|d|weeks?|wks?|w|minutes?|mins?|months?)\b|\b(an?|${WORD_NUMBERS}|a couple of|a few|couple of|few|half an?)\s+(hours?|days?|weeks?|months?|minutes?)\b)`,
    ),
    (m) => {
      const n = m[1] !== undefined ? Number(m[1]) : m[3]!.startsWith('half') ? 0.5 : /couple/.test(m[3]!) ? 2 : /few/.test(m[3]!) ? 3 : /^an?$/.test(m[3]!) ? 1 : numberOf(m[3]!);
      if (n === undefined || n <= 0) return false;
      facts.hours = round(n * unitHours(m[2] ?? m[4]!), 4);
    },
  );
  scan.each(rx(String.raw`\b(?:for\s+)?(?:(overnight)|(?:over\s+)?(?:the|a)\s+(weekend)|(?:all|a full|full)\s+(day)|(half)\s+a\s+day|(half)[\s-]day)\b`), (m) => {
    facts.hours = m[1] ? 12 : m[2] ? 48 : m[3] ? 24 : 12;
  });

  // Places: region prefixes, named places, "us" as a place, then capitalised ISO codes.
  scan.each(rx(String.raw`\b((?:us|eu|ap|ca|sa|me|af|il|mx)-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)(?:-\d{1,2})?)\b`), (m) => {
    addTo('regions', [m[1]!]);
  });
  for (const { pattern, place } of PLACES) {
    scan.each(rx(`${L}(?:${pattern})${R}`), () => {
      addTo('countries', place.countries);
      addTo('places', [place.label]);
    });
  }
  scan.each(rx(String.raw`${L}(?:(?:in|from|within|inside)\s+(?:the\s+)?us(?![a-z0-9.])|us(?=[\s-]+(?:only|based|regions?|east|west|central)\b))`), () => {
    addTo('countries', ['US']);
    addTo('places', ['the US']);
  });
  if (/[a-z]/.test(cased)) {
    // Only in mixed-case text: in an all-caps message "IN EUROPE" is not India.
    scan.each(
      /(?<![A-Za-z0-9])([A-Z]{2})(?![A-Za-z0-9])/g,
      (m) => {
        if (!ISO_CODES.has(m[1]!)) return false;
        addTo('countries', [m[1]!]);
        addTo('places', [m[1]!]);
      },
      true,
    );
  }

  // Providers, to include or (after "not", "except", "excluding" …) to leave out.
  const mentions: Array<{ id: string; start: number; end: number }> = [];
  for (const provider of PROVIDER_NAMES) {
    for (const m of scan.lower.matchAll(rx(`${L}(?:${provider.pattern})${R}`))) {
      if (scan.free(m.index, m.index + m[0].length)) mentions.push({ id: provider.id, start: m.index, end: m.index + m[0].length });
    }
  }
  mentions.sort((a, b) => a.start - b.start);
  let lastExcludedEnd = -1;
  for (const mention of mentions) {
    const before = scan.lower.slice(Math.max(0, mention.start - 40), mention.start);
    const negation = /(?:^|[^a-z])(not|no|except|excluding|exclude|without|avoid|other than|but not|anything but|apart from|skip|besides)\s+(?:on\s+|from\s+|at\s+)?$/.exec(before);
    const chained = lastExcludedEnd >= 0 && /^\s*(?:,|and|or|nor|&)?\s*(?:,|and|or|nor)?\s*$/.test(scan.lower.slice(lastExcludedEnd, mention.start));
    if (negation || chained) {
      const start = negation ? mention.start - negation[0].length + (negation[0].match(/^[^a-z]/) ? 1 : 0) : lastExcludedEnd;
      addTo('excludeProviders', [mention.id]);
      scan.take(start, mention.end);
      lastExcludedEnd = mention.end;
    } else {
      addTo('providers', [mention.id]);
      scan.take(mention.start, mention.end);
      lastExcludedEnd = -1;
    }
  }

  // Pricing type.
  scan.each(rx(String.raw`\b(?:no|not|non|without|avoid|never|don'?t want)[\s-]*(?:spot|interruptible|preemptible|preemptable)\b|\bon[\s-]?demand\b|\buninterruptible\b|\bguaranteed\b|\breliable\b`), () => {
    addTo('pricing', ['on_demand' as Pricing]);
  });
  scan.each(rx(String.raw`\b(?:(spot)|interruptible|preemptible|preemptable)(?:\s+(?:is\s+)?(?:ok(?:ay)?|fine|allowed|acceptable))?\b`), (m) => {
    addTo('pricing', [(m[1] ? 'spot' : 'interruptible') as Pricing]);
  });

  // GPU names, each with a count written before ("8x", "eight", "a pair of") or after ("x8").
  const tokens = [...scan.lower.matchAll(/[a-z0-9]+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length, text: m[0] }));
  const lookups = new Map<string, string[] | undefined>();
  const lookup = (phrase: string) => {
    if (!lookups.has(phrase)) lookups.set(phrase, gpuModelsOf(phrase));
    return lookups.get(phrase);
  };
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i]!.text;
    if (!scan.free(tokens[i]!.start, tokens[i]!.end) || !(GPU_FIRST_WORDS.has(word) || GPU_FIRST_WORDS.has(word.replace(/s$/, '')))) continue;
    for (let n = Math.min(5, tokens.length - i); n >= 1; n--) {
      const first = tokens[i]!;
      const last = tokens[i + n - 1]!;
      const phrase = scan.lower.slice(first.start, last.end);
      if (!scan.free(first.start, last.end) || /[^a-z0-9\s_-]/.test(phrase)) continue;
      if (/^\d+$/.test(first.text) && !BARE_NUMBER_MODELS.has(phrase)) continue;
      const models = lookup(phrase);
      if (!models) continue;
      addTo('gpuModels', models);
      scan.take(first.start, last.end);
      const before = COUNT_BEFORE.exec(scan.lower.slice(Math.max(0, first.start - 24), first.start));
      const beforeStart = before ? first.start - before[0].length + (/^[^a-z0-9]/.test(before[0]) ? 1 : 0) : -1;
      const after = /^\s*(?:x|\*)\s*(\d{1,4})(?![a-z0-9])/.exec(scan.lower.slice(last.end, last.end + 8));
      if (before && scan.free(beforeStart, first.start)) {
        const countValue = numberOf(before[2] ?? before[4]!);
        if (countValue !== undefined && setCount(countValue, before[1] ?? (before[3] ? 'at least' : undefined))) scan.take(beforeStart, first.start);
      } else if (after && scan.free(last.end, last.end + after[0].length) && setCount(Number(after[1]), undefined)) {
        scan.take(last.end, last.end + after[0].length);
      }
      i += n - 1;
      break;
    }
  }

  /** Records a GPU count; false (left unread) for one that cannot be a count of GPUs. */
  function setCount(n: number, qualifier: string | undefined): boolean {
    if (n < 1 || n > 1024 || !Number.isInteger(n)) return false;
    if (qualifier === undefined) {
      facts.minGpuCount = n;
      facts.maxGpuCount = n;
    } else if (/least|min|>|\+/.test(qualifier)) facts.minGpuCount = n;
    else facts.maxGpuCount = n;
    return true;
  }

  // Counts without a GPU name: "4 GPUs", "at least 2 cards", "multi-GPU", "make it 4".
  scan.each(
    rx(String.raw`(?:\b(at least|min(?:imum)?|up to|at most|max(?:imum)?|no more than)\s*|(>=?|<=?)\s*)?(?<![\d.])\b(\d{1,4}|${COUNT_WORDS})\s*(\+)?\s*(?:x\s*)?[\s-]*(?:gpus?|cards?|graphics cards?|accelerators?)\b`),
    (m) => {
      const n = numberOf(m[3]!);
      if (n === undefined || !setCount(n, m[1] ?? m[2] ?? (m[4] ? 'at least' : undefined))) return false;
    },
  );
  scan.each(rx(String.raw`\bmulti[\s-]?gpu\b`), () => {
    facts.minGpuCount ??= 2;
  });
  scan.each(rx(String.raw`\bmake it\s+(\d{1,4}|${WORD_NUMBERS})(?![a-z0-9$.])(?!\s*(?:h|hrs?|hours?|days?|weeks?|gb|\$|dollars?|usd|k)\b)`), (m) => {
    const n = numberOf(m[1]!);
    if (n === undefined || !setCount(n, undefined)) return false;
    signals.followUp = true;
  });

  // VRAM per GPU: "80GB", "at least 48 GB of VRAM" (not "64GB RAM" or "500GB disk").
  scan.each(
    rx(
      String.raw`(?:\b(?:at least|min(?:imum)?|over|more than)\s*|>=?\s*)?(?<![\d.])\b(\d{1,4})\s*(?:gb|gib|g)\b(?:\s*\+)?(?!\s*(?:of\s+)?(?:system\s+)?(?:ram|disk|storage|ssd|nvme)\b)(?:\s*(?:of\s+)?(?:vram|gpu memory|memory|hbm\w*|gddr\w*))?(?:\s*(?:per|each)\s*(?:gpu|card)|\s*each)?|\bvram\s*(?:of|>=?|:)?\s*(\d{1,4})\s*(?:gb|gib)?\b`,
    ),
    (m) => {
      const gb = Number(m[1] ?? m[2]);
      if (!(gb >= 1)) return false;
      facts.minVramGb = gb;
    },
  );

  // Precision and fine-tuning method ("QLoRA" implies 4-bit weights).
  const PRECISION_PATTERNS: Array<[NonNullable<Facts['precision']>, string]> = [
    ['fp32', String.raw`fp32|float32|full[\s-]precision|32[\s-]?bit`],
    ['bf16', String.raw`bf16|bfloat16`],
    ['fp16', String.raw`fp16|float16|half[\s-]precision|16[\s-]?bit`],
    ['int8', String.raw`int8|fp8|8[\s-]?bit`],
    ['int4', String.raw`int4|4[\s-]?bit|q4(?:_k_m|_0)?|gptq|awq|nf4`],
  ];
  for (const [precision, pattern] of PRECISION_PATTERNS) {
    scan.each(rx(`${L}(?:${pattern})${R}`), () => {
      facts.precision = precision;
    });
  }
  scan.each(rx(String.raw`\bqlora\b`), () => {
    facts.finetuneMethod = 'qlora';
    facts.precision ??= 'int4';
  });
  scan.each(rx(String.raw`\b(?:lora|peft|adapters?)\b`), () => {
    facts.finetuneMethod = 'lora';
  });
  scan.each(rx(String.raw`\bfull(?:[\s-]param(?:eter)?s?)?[\s-]+fine[\s-]?tun\w*|\bfull fine\b`), () => {
    facts.finetuneMethod = 'full';
  });

  // Job kinds.
  const KIND_PATTERNS: Array<[JobKind, string]> = [
    ['llm_finetune', String.raw`fine[\s-]?tun\w*|finetun\w*|sft|instruction[\s-]tun\w*`],
    ['training', String.raw`pre[\s-]?train\w*|train(?:ing)?(?:\s+from\s+scratch)?|from scratch`],
    ['batch', String.raw`batch(?:\s+(?:jobs?|inference|processing|workloads?|scoring))?|offline inference|embeddings?|transcri\w+|render\w*`],
    ['image_generation', String.raw`image[\s-]generation|generat\w* (?:\w+ )?images?|images?|text[\s-]to[\s-]image|diffusion`],
    ['llm_inference', String.raw`serv(?:e|ing)|inference|infer|host(?:ing)?|deploy(?:ing)?|chat[\s-]?bot|chat|endpoint|api|vllm|tgi|text generation|llm`],
  ];
  for (const [kind, pattern] of KIND_PATTERNS) {
    scan.each(rx(`\\b(?:${pattern})\\b`), () => {
      kinds.add(kind);
    });
  }
  if (facts.finetuneMethod) kinds.add('llm_finetune');
  if (namedKind) kinds.add(namedKind);
  const precedence: JobKind[] = ['llm_finetune', 'training', 'image_generation', 'batch', 'llm_inference'];
  facts.kind = precedence.find((k) => kinds.has(k)) ?? (facts.modelParamsB !== undefined || facts.modelName ? 'llm_inference' : undefined);
  if (facts.kind === undefined) delete facts.kind;

  // Trend questions, and whether they ask about the future.
  scan.each(
    rx(
      String.raw`\b(?:trends?|trending|history|historical|over time|move[sd]?|moving|movement|chang(?:e|ed|es|ing)|go(?:ing|ne)? (?:up|down)|went (?:up|down)|(?:get|getting|become|go) (?:cheaper|more expensive|pricier)|ris(?:e|es|ing|en)|rose|drop(?:s|ped|ping)?|fall(?:s|ing|en)?|fell|increas\w*|decreas\w*|forecast\w*|predict\w*|outlook|volatil\w*|chart|evolv\w*|evolution|spik\w*|dip(?:s|ped)?|good time to (?:rent|buy))\b`,
    ),
    () => {
      signals.trend = true;
    },
  );
  if (signals.trend) {
    scan.each(rx(String.raw`\b(?:will|forecast\w*|predict\w*|expect\w*|outlook|going to|next (?:week|days?|hours?|month)|tomorrow|future|soon|later)\b`), () => {
      facts.forecast = true;
    });
    if (/\b(?:forecast|predict|outlook|good time to)/.test(scan.lower)) facts.forecast = true;
  }

  // What to optimise for.
  scan.each(rx(String.raw`\b(?:most|largest|biggest|max(?:imum)?)\s+(?:vram|gpu memory|memory)\b`), () => {
    facts.sort = 'most_vram';
  });
  scan.each(rx(String.raw`\b(?:fastest|quickest|most powerful|highest[\s-]performance|best[\s-]performance|top[\s-]end|high[\s-]end|fast)\b`), () => {
    facts.sort = 'fastest';
  });
  scan.each(
    rx(String.raw`\b(?:cheapest|cheap|cheaper|lowest[\s-](?:price[ds]?|cost)|least expensive|inexpensive|affordable|budget[\s-]friendly|best (?:price|deal|value)|low[\s-]cost)\b`),
    () => {
      facts.sort ??= 'cheapest';
    },
  );

  // Follow-up markers (recognised words, used by the conversation to refine the last request).
  scan.each(rx(String.raw`^\s*(?:and|but|also|now|ok(?:ay)?|then|actually|so|same)\b|\b(?:what|how) about\b|\bwhat if\b|\binstead\b|\bmake it\b`), () => {
    signals.followUp = true;
  });

  // Money, now that the GPU count and any job are known.
  const gpus = facts.minGpuCount ?? facts.maxGpuCount ?? 1;
  const jobContext = facts.hours !== undefined || facts.kind !== undefined || facts.modelParamsB !== undefined || facts.datasetTokens !== undefined;
  for (const { amount, unit } of money) {
    const kind = unit === 'bare' ? (jobContext || amount > 20 * gpus ? 'total' : 'hour') : unit;
    if (kind === 'total') facts.budgetUsd = amount;
    else if (kind === 'gpu_hour') facts.maxPricePerGpuHour = amount;
    else if (gpus > 1) facts.maxPricePerHour = amount;
    else facts.maxPricePerGpuHour = amount;
  }

  // What is left: domain words count as understood, stopwords as nothing, the rest is reported.
  let understood = 0;
  let notUnderstood = 0;
  const unparsed: string[] = [];
  let phrase: string[] = [];
  const flush = () => {
    while (phrase.length && STOPWORDS.has(phrase[phrase.length - 1]!)) phrase.pop();
    while (phrase.length && STOPWORDS.has(phrase[0]!)) phrase.shift();
    if (phrase.length && unparsed.length < MAX_UNPARSED) unparsed.push(phrase.join(' ').slice(0, MAX_PHRASE));
    phrase = [];
  };
  for (const m of scan.lower.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = m[0];
    if (!scan.free(m.index, m.index + word.length)) {
      flush();
      understood++;
    } else if (DOMAIN_WORDS.has(word)) {
      flush();
      understood++;
      signals.domain = true;
    } else if (STOPWORDS.has(word)) {
      if (phrase.length) phrase.push(word);
    } else {
      phrase.push(word);
      notUnderstood++;
    }
  }
  flush();
  const total = understood + notUnderstood;
  return { facts, signals, unparsed, confidence: total === 0 ? 0 : Math.round((understood / total) * 100) / 100 };
}

