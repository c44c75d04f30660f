// The ranked recommendations (score, estimated hours, total cost with its preemption part, each
// criterion's value, the explanation, "Deploy this") and the "nothing fits" diagnosis with its
// relaxations, as templates shared by the recommend page and the assistant's answers.
import { css, html, nothing, type TemplateResult } from 'lit';
import { availabilityBadge } from '../../components/ui';
import { formatAge, formatCost, formatGb, formatHours, formatInt, formatPrice, formatShare, plural, pricingLabel } from '../../lib/format';
import { deployHref, relaxationLabel } from '../../lib/recommend-form';
import type { Recommendation, RecommendationResult, Relaxation } from '../../lib/types';

const CRITERION_NAMES: Record<string, string> = {
  cost: 'cost',
  time: 'time',
  freshness: 'price freshness',
  availability: 'availability',
  reliability: 'reliability',
  interruption: 'interruption risk',
};

function criteria(r: Recommendation): Array<[string, string, string]> {
  const c = r.criteria;
  return [
    ['Total cost', formatCost(c.costUsd), r.cost.expectedPreemptionUsd > 0 ? `incl. ${formatCost(r.cost.expectedPreemptionUsd)} expected preemption` : 'no preemption expected'],
    ['Time to finish', formatHours(c.hours), r.estimate.expectedExtraHours > 0 ? `${formatHours(r.estimate.hours)} + ${formatHours(r.estimate.expectedExtraHours)} redone work` : 'without interruptions'],
    ['Price freshness', formatShare(c.freshness), `observed ${formatAge(c.ageSeconds)}`],
    ['Availability', formatShare(c.availability), r.offer.availability],
    ['Reliability', formatShare(c.reliability), `health ${formatShare(r.reliability.health)} · deploys ${formatShare(r.reliability.deploymentSuccess)}${r.reliability.uptime7d === null ? '' : ` · uptime ${formatShare(r.reliability.uptime7d)}`}`],
    ['Interruption risk', formatShare(c.interruptionProbability), r.cost.expectedInterruptions > 0 ? `${r.cost.expectedInterruptions.toFixed(2)} expected` : r.offer.pricing === 'on_demand' ? 'on-demand' : 'low'],
  ];
}

export interface ResultOptions {
  /** Deploying needs a signed-in member; anonymous visitors are sent to sign in first (the deploy route asks). */
  compact?: boolean;
}

export function recommendationCard(r: Recommendation, options: ResultOptions = {}): TemplateResult {
  const o = r.offer;
  // Scores of close offers differ in the first decimal: one decimal keeps #1 and #2 apart.
  const pct = Math.round(r.score * 1000) / 10;
  return html`<article class="rec card" data-rank=${r.rank} data-offer=${o.id} aria-labelledby="rec-${o.id}">
    <div class="rec-top">
      <span class="rank" aria-label="Rank ${r.rank}">#${r.rank}</span>
      <div class="rec-title">
        <h3 id="rec-${o.id}"><a href="/gpus/${encodeURIComponent(o.gpuModel)}">${o.gpuCount}× ${o.gpuModel}</a></h3>
        <span class="muted small">${o.provider} · ${o.region}${o.country ? ` (${o.country})` : ''} · ${pricingLabel(o.pricing)} · ${o.gpuCount} × ${formatGb(o.vramGbPerGpu)}</span>
      </div>
      <div class="score" title="TOPSIS closeness to the ideal offer, 0–100">
        <span class="score-num num" data-testid="score">${pct.toFixed(1)}</span><span class="faint tiny">score</span>
        <span class="score-bar" aria-hidden="true"><span data-score=${pct}></span></span>
      </div>
    </div>
    <div class="rec-figures">
      <div><span class="label">Total cost</span><span class="fig num" data-testid="total">${formatCost(r.cost.totalUsd)}</span>
        <span class="faint tiny">${r.cost.expectedPreemptionUsd > 0 ? `${formatCost(r.cost.computeUsd)} + ${formatCost(r.cost.expectedPreemptionUsd)} preemption` : 'compute only'}</span></div>
      <div><span class="label">Est. time</span><span class="fig num" data-testid="hours">${formatHours(r.estimate.hours + r.estimate.expectedExtraHours)}</span>
        <span class="faint tiny">${r.estimate.gpusUsed} of ${o.gpuCount} GPU${o.gpuCount === 1 ? '' : 's'} used</span></div>
      <div><span class="label">Price</span><span class="fig num">${formatPrice(o.pricePerHourUsd)}<small>/h</small></span>
        <span class="faint tiny">${formatPrice(o.pricePerGpuHourUsd)} per GPU·h</span></div>
      ${r.estimate.tokensPerSecond !== null
        ? html`<div><span class="label">Throughput</span><span class="fig num">${formatInt(r.estimate.tokensPerSecond)}<small> tok/s</small></span><span class="faint tiny">${formatGb(r.estimate.memoryPerGpuGb)} per GPU</span></div>`
        : html`<div><span class="label">Memory</span><span class="fig num">${formatGb(r.estimate.memoryPerGpuGb)}</span><span class="faint tiny">per GPU needed</span></div>`}
    </div>
    ${r.explanation ? html`<p class="why">${r.explanation.summary}</p>` : nothing}
    <div class="rec-actions">
      ${availabilityBadge(o.availability)}
      ${options.compact
        ? nothing
        : html`<details class="more">
            <summary>Why this rank</summary>
            <table class="data crit"><tbody>${criteria(r).map(([k, v, note]) => html`<tr><th scope="row">${k}</th><td class="r num strong">${v}</td><td class="muted">${note}</td></tr>`)}</tbody></table>
            ${r.explanation && (r.explanation.advantages.length || r.explanation.disadvantages.length)
              ? html`<ul class="factors">
                  ${r.explanation.advantages.map((f) => html`<li class="plus"><span aria-hidden="true">+</span> ${f.detail} <span class="faint">(${CRITERION_NAMES[f.criterion] ?? f.criterion}, ${formatShare(f.impact)} of the difference)</span></li>`)}
                  ${r.explanation.disadvantages.map((f) => html`<li class="minus"><span aria-hidden="true">−</span> ${f.detail} <span class="faint">(${CRITERION_NAMES[f.criterion] ?? f.criterion})</span></li>`)}
                </ul>`
              : nothing}
          </details>`}
      <a class="btn btn-primary btn-sm deploy" href=${deployHref(r)} aria-label="Deploy this: ${o.gpuCount}× ${o.gpuModel} on ${o.provider} ${o.region}">Deploy this</a>
    </div>
  </article>`;
}

/** Scores drawn as bars: the width goes through CSSOM, since the CSP allows no style attributes. */
export function paintScores(root: ParentNode): void {
  for (const bar of root.querySelectorAll<HTMLElement>('.score-bar span[data-score]')) bar.style.width = `${bar.dataset.score}%`;
}

export function diagnosisCard(result: RecommendationResult, apply: ((r: Relaxation) => void) | null): TemplateResult {
  const d = result.diagnosis!;
  const usable = d.relaxations.filter((r) => r.wouldAllow > 0);
  return html`<section class="card card-pad diagnosis" role="status" aria-labelledby="nothing-title" data-testid="diagnosis">
    <div class="empty-icon" aria-hidden="true"></div>
    <h3 id="nothing-title">Nothing fits</h3>
    <p>${d.message}</p>
    ${usable.length
      ? html`<div class="relax">
          <span class="label">Relax one constraint</span>
          ${usable.slice(0, 4).map((r) => html`<div class="relax-row">
            <span class="small">${r.message.charAt(0).toUpperCase() + r.message.slice(1)}</span>
            ${apply ? html`<button class="btn btn-sm" type="button" data-relax=${r.constraint} @click=${() => apply(r)}>${relaxationLabel(r)}</button>` : nothing}
          </div>`)}
        </div>`
      : nothing}
    ${result.funnel.length
      ? html`<details class="more"><summary>Where the offers went</summary>
          <table class="data funnel"><thead><tr><th>Constraint</th><th class="r">Excluded</th><th class="r">Left</th></tr></thead>
            <tbody>${result.funnel.map((f) => html`<tr><td>${f.constraint}</td><td class="r num">${formatInt(f.excluded)}</td><td class="r num">${formatInt(f.remaining)}</td></tr>`)}</tbody></table>
        </details>`
      : nothing}
  </section>`;
}

/** What the engine understood: memory, GPUs, run time, and the defaults it assumed. */
export function needsLine(result: RecommendationResult): TemplateResult {
  const i = result.interpretation;
  const parts = [
    `${formatGb(i.memory.totalGb)} GPU memory`,
    i.minGpuCount > 1 ? `at least ${i.minGpuCount} GPUs` : null,
    i.minTokensPerSecond ? `${formatInt(i.minTokensPerSecond)} tokens/s` : null,
    i.hours !== null ? formatHours(i.hours) : 'run time per offer',
    i.modelShape ? `shape of ${i.modelShape.basis}` : null,
  ].filter(Boolean);
  return html`<p class="needs small"><span class="muted">Needs</span> ${parts.join(' · ')}${i.assumptions.length ? html` <span class="faint">· assumed ${i.assumptions.join('; ')}</span>` : nothing}</p>`;
}

export function matchedLine(result: RecommendationResult): string {
  return `Best ${result.data.length} of ${plural(result.matched, 'matching offer')} · ${formatInt(result.market.knownGpuOffers)} fresh offers ranked`;
}

export const resultStyles = css`
  .rec { padding: var(--space-4) var(--space-5); display: flex; flex-direction: column; gap: var(--space-3); }
  @media (max-width: 640px) { .rec { padding: var(--space-4); } }
  .rec[data-rank='1'] { border-color: color-mix(in srgb, var(--accent) 55%, var(--border)); }
  .rec-top { display: grid; grid-template-columns: auto minmax(0, 1fr) auto; gap: var(--space-3); align-items: center; }
  .rank { display: grid; place-items: center; width: 32px; height: 32px; border-radius: 8px; background: var(--bg-muted); font-weight: 650; font-size: var(--text-sm); font-variant-numeric: tabular-nums; }
  .rec[data-rank='1'] .rank { background: var(--accent); color: var(--accent-text); }
  .rec-title { display: flex; flex-direction: column; min-width: 0; }
  .rec-title h3 { font-size: var(--text-base); }
  .rec-title h3 a { color: var(--text); }
  .rec-title span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .score { display: grid; grid-template-columns: auto auto; align-items: baseline; column-gap: 4px; justify-items: end; }
  .score-num { font-size: var(--text-lg); font-weight: 650; }
  .score-bar { grid-column: 1 / -1; width: 64px; height: 4px; border-radius: 2px; background: var(--bg-muted); overflow: hidden; margin-top: 2px; }
  .score-bar span { display: block; height: 100%; width: 0; background: var(--accent); }
  .rec-figures { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: var(--space-3); padding: var(--space-3) 0; border-top: 1px solid var(--border); border-bottom: 1px solid var(--border); }
  @media (max-width: 640px) { .rec-figures { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
  .rec-figures > div { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
  .fig { font-size: var(--text-lg); font-weight: 620; letter-spacing: -0.01em; }
  .fig small { font-size: var(--text-xs); color: var(--text-muted); font-weight: 500; }
  .why { font-size: var(--text-sm); color: var(--text-muted); margin: 0; }
  .rec-actions { display: flex; align-items: flex-start; gap: var(--space-3); flex-wrap: wrap; }
  .rec-actions .deploy { margin-left: auto; }
  .more { flex: 1 1 auto; min-width: 0; font-size: var(--text-sm); }
  .more summary { cursor: pointer; color: var(--accent); font-weight: 550; font-size: var(--text-sm); width: max-content; }
  .more[open] { flex-basis: 100%; order: 3; }
  .crit { margin-top: var(--space-2); }
  table.data.crit th { background: none; font-weight: 500; color: var(--text-muted); font-size: var(--text-sm); height: 34px; border-bottom: 1px solid var(--border); }
  table.data.crit td { height: 34px; white-space: normal; }
  .factors { margin: var(--space-2) 0 0; padding-left: 0; list-style: none; display: flex; flex-direction: column; gap: 4px; }
  .factors .plus span:first-child { color: var(--green); font-weight: 700; }
  .factors .minus span:first-child { color: var(--red); font-weight: 700; }
  .diagnosis { display: flex; flex-direction: column; align-items: center; text-align: center; gap: var(--space-3); }
  .diagnosis > p { max-width: 62ch; font-size: var(--text-sm); color: var(--text-muted); }
  .relax { display: flex; flex-direction: column; gap: var(--space-2); width: 100%; max-width: 640px; text-align: left; }
  .relax-row { display: flex; justify-content: space-between; align-items: center; gap: var(--space-3); padding: var(--space-2) var(--space-3); border: 1px solid var(--border); border-radius: var(--radius); flex-wrap: wrap; }
  .diagnosis .more { width: 100%; max-width: 640px; text-align: left; }
  .needs { margin: 0; }
  .small { font-size: var(--text-xs); }
  .tiny { font-size: 11px; }
  .strong { font-weight: 600; }
`;
