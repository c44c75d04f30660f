// The recommendation engine: workload → needs, the market snapshot → offers that fit, TOPSIS → ranking,
// each offer shown explained against its neighbour; and when nothing fits, why.
import { getGpuModel } from '../catalog/gpus';
import { Problem } from '../http/problem';
import { iso } from '../http/time';
import { toApiOffer } from '../market/offers.handlers';
import { hazardPerHour } from './cost';
import { diagnose } from './diagnose';
import { evaluate, type Measured } from './evaluate';
import { DIRECTION, explain } from './explain';
import { reliability, type ProviderEvidence, type Reliability } from './reliability';
import { CRITERIA, DEFAULT_WEIGHTS, MAX_GPU_COUNT, type RecommendationRequest } from './request';
import type { RecommendationResult } from './response';
import { marketSnapshot, offerRow, PRICINGS, type OfferColumns } from './snapshot';
import { topsis } from './topsis';
import { interpret, sizeOn, WorkloadError, type Workload } from './workload';

export interface RecommendOptions {
  /** false: read the market afresh instead of the isolate's snapshot (default true). */
  cache?: boolean;
  /** How long the snapshot is trusted before checking for a newer ingestion (default 1000 ms; RECOMMEND_SNAPSHOT_TTL_MS). */
  snapshotTtlMs?: number;
  /** ctx.waitUntil: lets a newer ingestion's snapshot load in the background (see SnapshotOptions). */
  waitUntil?: (promise: Promise<unknown>) => void;
}

const NEUTRAL: ProviderEvidence = { health: null, deployments: { succeeded: 0, failed: 0 }, uptime7d: null };

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * Ranks the live market for `request` (parse it with RecommendationRequestSchema first). Throws a 422
 * Problem for a workload no single instance can hold; everything else answers, with `diagnosis` set
 * when nothing fits.
 */
export async function recommend(
  db: D1Database | D1DatabaseSession,
  request: RecommendationRequest,
  now: number,
  options: RecommendOptions = {},
): Promise<RecommendationResult> {
  let workload: Workload;
  try {
    workload = interpret(request);
  } catch (err) {
    if (err instanceof WorkloadError) throw new Problem(422, 'workload-too-large', 'No single instance can run this workload', err.message, [{ field: `body.${err.field}`, message: err.message }]);
    throw err;
  }
  const weights = request.weights ?? DEFAULT_WEIGHTS;
  const limit = request.limit ?? 5;
  const snapshot = await marketSnapshot(db, now, { cache: options.cache, ttlMs: options.snapshotTtlMs, waitUntil: options.waitUntil });
  const o = snapshot.offers;

  const reliabilities = new Map<string, Reliability>();
  const reliabilityOf = (provider: string): Reliability => {
    let r = reliabilities.get(provider);
    if (!r) {
      r = reliability(snapshot.evidence.get(provider) ?? NEUTRAL);
      reliabilities.set(provider, r);
    }
    return r;
  };

  const ev = evaluate(o, workload, request, now, reliabilityOf);
  const candidates = ev.candidates;

  // TOPSIS over every offer that fits. Columns in CRITERIA order.
  const { closeness, weighted } = topsis(
    ev.columns,
    CRITERIA.map((c) => ({ weight: weights[c], direction: DIRECTION[c] })),
  );
  const costs = ev.columns[CRITERIA.indexOf('cost')]!;
  const better = (a: number, b: number): boolean => {
    const ca = closeness[a]!;
    const cb = closeness[b]!;
    if (ca !== cb) return ca > cb;
    if (costs[a] !== costs[b]) return costs[a]! < costs[b]!;
    return o.ids[candidates[a]!]! < o.ids[candidates[b]!]!;
  };

  // The best `limit`, plus the next one: what the last shown offer is compared with.
  const ordered = topK(candidates.length, limit + 1, better);
  const rowOf = weighted;
  const data = ordered.slice(0, limit).map((c, position) => {
    const measured = ev.measure(candidates[c]!);
    const neighbour = ordered[position + 1] ?? ordered[position - 1];
    const explanation =
      neighbour === undefined ? null : explain(measured, position + 1, rowOf(c), ev.measure(candidates[neighbour]!), ordered.indexOf(neighbour) + 1, rowOf(neighbour));
    return toRecommendation(measured, position + 1, closeness[c]!, explanation, o, now, reliabilityOf);
  });

  return {
    interpretation: interpretation(workload, o, request),
    weights,
    market: {
      listedOffers: ev.market.listed,
      freshOffers: ev.market.fresh,
      knownGpuOffers: ev.market.knownGpu,
      evaluatedAt: iso(now),
      ingestionId: snapshot.key?.split(':')[0] ?? null,
    },
    funnel: ev.funnel,
    matched: candidates.length,
    data,
    diagnosis: candidates.length === 0 ? diagnose(ev, o, workload, limit) : null,
  };
}

/** Indices 0..n-1 of the best k by `better`, best first: one pass keeping a short sorted list. */
function topK(n: number, k: number, better: (a: number, b: number) => boolean): number[] {
  const top: number[] = [];
  for (let i = 0; i < n; i++) {
    if (top.length >= k && !better(i, top[top.length - 1]!)) continue;
    let at = top.length;
    while (at > 0 && better(i, top[at - 1]!)) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}

function toRecommendation(
  m: Measured,
  rank: number,
  score: number,
  explanation: RecommendationResult['data'][number]['explanation'],
  o: OfferColumns,
  now: number,
  reliabilityOf: (provider: string) => Reliability,
): RecommendationResult['data'][number] {
  const provider = o.providers[o.provider[m.index]!]!;
  const rel = reliabilityOf(provider);
  return {
    rank,
    score: r4(score),
    offer: toApiOffer(offerRow(o, m.index), now),
    estimate: {
      gpusNeeded: m.sizing.gpusNeeded,
      gpusUsed: m.sizing.gpusUsed,
      memoryPerGpuGb: r3(m.sizing.memoryPerGpuGb),
      hours: r3(m.sizing.hours),
      expectedExtraHours: r3(m.cost.expectedExtraHours),
      tokensPerSecond: m.sizing.tokensPerSecond === null ? null : r3(m.sizing.tokensPerSecond),
    },
    cost: {
      totalUsd: m.cost.totalMicro / 1e6,
      computeUsd: m.cost.computeMicro / 1e6,
      expectedPreemptionUsd: m.cost.expectedPreemptionMicro / 1e6,
      expectedInterruptions: r4(m.cost.expectedInterruptions),
      interruptionProbability: r4(m.cost.interruptionProbability),
      hazardPerHour: hazardPerHour(provider, PRICINGS[o.pricing[m.index]!]!),
    },
    criteria: {
      costUsd: m.cost.totalMicro / 1e6,
      hours: r3(m.hours),
      ageSeconds: Math.round(m.ageSeconds),
      freshness: r4(m.freshness),
      availability: m.availability,
      reliability: r4(m.reliability),
      interruptionProbability: r4(m.cost.interruptionProbability),
    },
    reliability: { score: r4(rel.score), health: r4(rel.health), deploymentSuccess: r4(rel.deploymentSuccess), uptime7d: rel.uptime7d === null ? null : r4(rel.uptime7d) },
    explanation,
  };
}

function interpretation(w: Workload, o: OfferColumns, r: RecommendationRequest): RecommendationResult['interpretation'] {
  const models = o.models
    .map((name) => getGpuModel(name))
    .filter((spec) => spec !== undefined && (!r.gpuModels || r.gpuModels.includes(spec.name)))
    .sort((a, b) => b!.fp16Tflops - a!.fp16Tflops || a!.name.localeCompare(b!.name));
  return {
    source: w.source,
    kind: w.kind,
    precision: w.precision,
    finetuneMethod: w.finetuneMethod,
    modelShape: w.shape,
    memory: { totalGb: r3(w.totalGb), shardedGb: r3(w.shardedGb), perGpuGb: r3(w.perGpuGb), terms: { ...w.terms } as Record<string, number> },
    minGpuCount: w.minGpuCount,
    minTflopsPerGpu: w.minTflopsPerGpu,
    minTokensPerSecond: w.minTokensPerSecond,
    hours: w.fixedHours,
    deadlineHours: w.deadlineHours,
    computeFlops: w.compute?.flops ?? null,
    tokens: w.compute?.tokens ?? w.decode?.tokens ?? null,
    byGpuModel: models.map((spec) => {
      const probe = sizeOn(w, spec!, spec!.vramGb, MAX_GPU_COUNT);
      const fits = Number.isFinite(probe.gpusNeeded) && probe.gpusNeeded <= MAX_GPU_COUNT;
      const at = fits ? sizeOn(w, spec!, spec!.vramGb, Math.max(probe.gpusNeeded, w.minGpuCount)) : null;
      return {
        gpuModel: spec!.name,
        vramGbPerGpu: spec!.vramGb,
        gpusNeeded: fits ? probe.gpusNeeded : null,
        memoryPerGpuGb: fits ? r3(probe.memoryPerGpuGb) : null,
        hours: at && Number.isFinite(at.hours) ? r3(at.hours) : null,
        tokensPerSecond: at?.tokensPerSecond == null ? null : r3(at.tokensPerSecond),
      };
    }),
    formulas: w.formulas,
    assumptions: w.assumptions,
  };
}
