// The assistant parser's vocabulary: places (continents to ISO country lists, country names, codes),
// provider names, well-known models with their parameter counts, number words, and filler words.
// Data only, so the parser's rules stay readable and the lists can grow without touching them.
import type { WorkloadKind } from '../request';

/** Europe in the broad sense (EU, EEA, UK, Switzerland, the Balkans, Ukraine): "EU" is read as this too. */
export const EUROPE = [
  'AL', 'AD', 'AT', 'BA', 'BE', 'BG', 'BY', 'CH', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GB', 'GR', 'HR', 'HU',
  'IE', 'IS', 'IT', 'LI', 'LT', 'LU', 'LV', 'MC', 'MD', 'ME', 'MK', 'MT', 'NL', 'NO', 'PL', 'PT', 'RO', 'RS', 'SE', 'SI',
  'SK', 'SM', 'UA', 'VA',
] as const;
export const NORTH_AMERICA = ['US', 'CA', 'MX'] as const;
export const SOUTH_AMERICA = ['AR', 'BO', 'BR', 'CL', 'CO', 'EC', 'PE', 'PY', 'UY', 'VE'] as const;
export const LATIN_AMERICA = ['MX', ...SOUTH_AMERICA] as const;
export const ASIA = ['CN', 'HK', 'ID', 'IN', 'JP', 'KR', 'MY', 'PH', 'SG', 'TH', 'TW', 'VN'] as const;
export const OCEANIA = ['AU', 'NZ'] as const;
export const APAC = [...ASIA, ...OCEANIA] as const;
export const MIDDLE_EAST = ['AE', 'BH', 'IL', 'JO', 'KW', 'OM', 'QA', 'SA', 'TR'] as const;
export const AFRICA = ['EG', 'GH', 'KE', 'MA', 'NG', 'ZA'] as const;
export const NORDICS = ['DK', 'FI', 'IS', 'NO', 'SE'] as const;

export interface Place {
  /** How the reply names it. */
  label: string;
  countries: readonly string[];
}

/**
 * Place phrases, longest first within each entry so "south america" wins over "america". Matched
 * case-insensitively on word boundaries. Country names that are also English words ("turkey",
 * "chad", "jordan", "georgia") are left out or kept only where the risk is small.
 */
export const PLACES: ReadonlyArray<{ pattern: string; place: Place }> = [
  { pattern: 'south america|latin america|latam', place: { label: 'Latin America', countries: LATIN_AMERICA } },
  { pattern: 'north america', place: { label: 'North America', countries: NORTH_AMERICA } },
  { pattern: 'united states(?: of america)?|the states|usa|u\\.s\\.a\\.?|u\\.s\\.|america|american', place: { label: 'the US', countries: ['US'] } },
  { pattern: 'europe|european union|european|eu', place: { label: 'Europe', countries: EUROPE } },
  { pattern: 'emea', place: { label: 'EMEA', countries: [...EUROPE, ...MIDDLE_EAST, ...AFRICA] } },
  { pattern: 'asia[\\s-]?pacific|apac', place: { label: 'Asia-Pacific', countries: APAC } },
  { pattern: 'asia|asian', place: { label: 'Asia', countries: ASIA } },
  { pattern: 'oceania', place: { label: 'Oceania', countries: OCEANIA } },
  { pattern: 'middle east|mena', place: { label: 'the Middle East', countries: MIDDLE_EAST } },
  { pattern: 'south africa', place: { label: 'South Africa', countries: ['ZA'] } },
  { pattern: 'africa', place: { label: 'Africa', countries: AFRICA } },
  { pattern: 'nordics|nordic|scandinavia|scandinavian', place: { label: 'the Nordics', countries: NORDICS } },
  { pattern: 'united kingdom|great britain|britain|england|scotland|wales|uk', place: { label: 'the UK', countries: ['GB'] } },
  { pattern: 'south korea|korea', place: { label: 'South Korea', countries: ['KR'] } },
  { pattern: 'new zealand', place: { label: 'New Zealand', countries: ['NZ'] } },
  { pattern: 'hong kong', place: { label: 'Hong Kong', countries: ['HK'] } },
  { pattern: 'saudi arabia', place: { label: 'Saudi Arabia', countries: ['SA'] } },
  { pattern: 'united arab emirates|uae|dubai', place: { label: 'the UAE', countries: ['AE'] } },
  { pattern: 'czech republic|czechia', place: { label: 'Czechia', countries: ['CZ'] } },
  { pattern: 'the netherlands|netherlands|holland', place: { label: 'the Netherlands', countries: ['NL'] } },
  ...(
    [
      ['canada', 'CA'], ['mexico', 'MX'], ['brazil', 'BR'], ['argentina', 'AR'], ['chile', 'CL'], ['colombia', 'CO'],
      ['ireland', 'IE'], ['germany', 'DE'], ['france', 'FR'], ['belgium', 'BE'], ['spain', 'ES'], ['portugal', 'PT'],
      ['italy', 'IT'], ['switzerland', 'CH'], ['austria', 'AT'], ['sweden', 'SE'], ['norway', 'NO'], ['denmark', 'DK'],
      ['finland', 'FI'], ['iceland', 'IS'], ['poland', 'PL'], ['romania', 'RO'], ['bulgaria', 'BG'], ['greece', 'GR'],
      ['hungary', 'HU'], ['ukraine', 'UA'], ['estonia', 'EE'], ['latvia', 'LV'], ['lithuania', 'LT'],
      ['luxembourg', 'LU'], ['croatia', 'HR'], ['slovakia', 'SK'], ['slovenia', 'SI'], ['serbia', 'RS'],
      ['japan', 'JP'], ['china', 'CN'], ['taiwan', 'TW'], ['singapore', 'SG'], ['india', 'IN'], ['indonesia', 'ID'],
      ['malaysia', 'MY'], ['thailand', 'TH'], ['vietnam', 'VN'], ['philippines', 'PH'], ['australia', 'AU'],
      ['israel', 'IL'], ['qatar', 'QA'], ['türkiye', 'TR'], ['nigeria', 'NG'], ['kenya', 'KE'], ['egypt', 'EG'],
    ] as const
  ).map(([name, code]) => ({ pattern: name, place: { label: name[0]!.toUpperCase() + name.slice(1), countries: [code] } })),
];

/**
 * ISO 3166-1 alpha-2 codes accepted when written in capitals ("in DE", "FR or NL"). Codes that are
 * also capitalised words or abbreviations are left out ("IT", "IN", "NO", "GB" as in 80 GB, "HR",
 * "QA", "EG" …); those countries are reachable by name ("Italy", "the UK").
 */
const NOT_BARE_CODES = 'IT IN ID IS NO AT BE ME MY OR AM AS DO SO TO GB HR AD BA BY MD SM QA EG GH CO PY'.split(' ');
export const ISO_CODES: ReadonlySet<string> = new Set(
  [...EUROPE, ...NORTH_AMERICA, ...SOUTH_AMERICA, ...APAC, ...MIDDLE_EAST, ...AFRICA].filter((code) => !NOT_BARE_CODES.includes(code)),
);

/** Provider ids and the names people write for them. */
export const PROVIDER_NAMES: ReadonlyArray<{ id: string; label: string; pattern: string }> = [
  { id: 'runpod', label: 'RunPod', pattern: 'run[\\s-]?pod' },
  { id: 'vastai', label: 'Vast.ai', pattern: 'vast(?:\\.ai|[\\s-]?ai)?' },
  { id: 'lambda', label: 'Lambda', pattern: 'lambda(?:[\\s-]?labs?|[\\s-]?cloud)?' },
  { id: 'datacrunch', label: 'DataCrunch', pattern: 'data[\\s-]?crunch' },
  { id: 'tensordock', label: 'TensorDock', pattern: 'tensor[\\s-]?dock' },
  { id: 'shadeform', label: 'Shadeform', pattern: 'shade[\\s-]?form' },
  { id: 'sim', label: 'the simulated market', pattern: 'sim|simulated(?: provider| market)?|simulator' },
];

export type JobKind = WorkloadKind;

/**
 * Well-known models with a size people leave out ("Mixtral", "SDXL"). Parameter counts are the
 * publishers' totals: Mixtral 8x7B is 46.7B (experts share attention layers, so not 56B), 8x22B is
 * 141B; SDXL's base UNet plus text encoders is about 3.5B; SD 1.5 about 1B; FLUX.1 12B; Stable
 * Diffusion 3.5 Large 8B; Whisper large 1.55B; DeepSeek-V3/R1 671B total.
 */
export const NAMED_MODELS: ReadonlyArray<{ pattern: string; name: string; paramsB: number; kind?: JobKind }> = [
  { pattern: 'mixtral[\\s-]*8\\s*x\\s*22\\s*b', name: 'Mixtral 8x22B', paramsB: 141 },
  { pattern: 'mixtral(?:[\\s-]*8\\s*x\\s*7\\s*b)?', name: 'Mixtral 8x7B', paramsB: 46.7 },
  { pattern: 'deepseek[\\s-]*(?:v3|r1)', name: 'DeepSeek-V3', paramsB: 671 },
  { pattern: 'stable[\\s-]*diffusion[\\s-]*xl|sdxl', name: 'SDXL', paramsB: 3.5, kind: 'image_generation' },
  { pattern: 'stable[\\s-]*diffusion[\\s-]*3(?:\\.5)?(?:[\\s-]*large)?|sd[\\s-]?3(?:\\.5)?', name: 'Stable Diffusion 3.5', paramsB: 8, kind: 'image_generation' },
  { pattern: 'stable[\\s-]*diffusion(?:[\\s-]*1\\.5)?|sd[\\s-]?1\\.5', name: 'Stable Diffusion 1.5', paramsB: 1, kind: 'image_generation' },
  // Bare "flux" only after a verb or before "model"/"images": "prices in flux" is not a model.
  {
    pattern: 'flux\\.1(?:[\\s-]*(?:dev|schnell|pro))?|flux[\\s-]*(?:dev|schnell|pro)|flux(?=\\s+(?:model|images?|lora))|(?<=(?:tune|train|run|serve|host|use)\\s+)flux',
    name: 'FLUX.1',
    paramsB: 12,
    kind: 'image_generation',
  },
  { pattern: 'whisper(?:[\\s-]*large(?:[\\s-]*v\\d)?)?', name: 'Whisper large', paramsB: 1.55, kind: 'batch' },
  { pattern: 'gpt[\\s-]?j', name: 'GPT-J 6B', paramsB: 6 },
  { pattern: 'gpt[\\s-]?2', name: 'GPT-2', paramsB: 1.5 },
  { pattern: 'phi[\\s-]?3(?:[\\s-]*mini)?', name: 'Phi-3 mini', paramsB: 3.8 },
  { pattern: 'mistral(?:[\\s-]*7\\s*b)?', name: 'Mistral 7B', paramsB: 7.3 },
];

/** Model families written with a size: "Llama 3 70B", "qwen2.5-72b", "Gemma 7B". */
export const SIZED_FAMILIES: ReadonlyArray<{ pattern: string; name: string }> = [
  { pattern: 'code[\\s-]?llama', name: 'Code Llama' },
  { pattern: 'llama', name: 'Llama' },
  { pattern: 'qwen', name: 'Qwen' },
  { pattern: 'gemma', name: 'Gemma' },
  { pattern: 'falcon', name: 'Falcon' },
  { pattern: 'mistral', name: 'Mistral' },
  { pattern: 'deepseek', name: 'DeepSeek' },
  { pattern: 'yi', name: 'Yi' },
  { pattern: 'olmo', name: 'OLMo' },
  { pattern: 'bloom', name: 'BLOOM' },
  { pattern: 'opt', name: 'OPT' },
  { pattern: 'vicuna', name: 'Vicuna' },
];

export const NUMBER_WORDS: Readonly<Record<string, number>> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  sixteen: 16, twenty: 20, 'twenty-four': 24, 'thirty-two': 32, 'sixty-four': 64,
};

/** Count phrases written before a GPU name. */
export const COUNT_PHRASES: Readonly<Record<string, number>> = {
  'a single': 1, single: 1, 'a pair of': 2, 'pair of': 2, 'a couple of': 2, 'couple of': 2, dual: 2, twin: 2, quad: 4,
};

/** Words that carry no meaning for the parser; never reported as not understood. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an the i im me my we our us you your to for of in on at by with and or is are be been was were it its this that ' +
    'these those what whats which who how can could would should do does did please pls plz some any there here from ' +
    'into than then about around like just so if as up out s t m d re ll ve now want wanna would like id ill i\'d one ' +
    'thanks thank tell give get got have has need needs needed looking look find show list search let lets know see ' +
    'good best great nice currently right will only something anything stuff ones using use used they them their much many'
  ).split(' '),
);

/** Domain words that say "this is about GPUs" without setting a field; they count as understood. */
export const DOMAIN_WORDS: ReadonlySet<string> = new Set(
  (
    'gpu gpus card cards graphics accelerator accelerators offer offers deal deals instance instances machine machines ' +
    'node nodes server servers box boxes vm vms pod pods cloud compute price prices pricing cost costs rate rates rent ' +
    'renting rental rentals hire available availability option options model models job jobs workload workloads run ' +
    'running market provider providers hourly nvidia amd intel cluster clusters capacity'
  ).split(' '),
);
