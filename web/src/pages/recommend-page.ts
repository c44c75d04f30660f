// Recommend (/recommend): a workload form (a described job or raw needs, limits, where and on whom,
// and how to weigh the criteria) sent to POST /v1/recommendations, the assistant beside it, and the
// ranked offers with their cost, time, criteria and explanation; "Deploy this" opens the deploy flow
// with the time limit from the estimate. The form lives in the URL, so a result can be shared and
// Back from the deploy flow comes back to it.
import { css, html, LitElement, nothing } from 'lit';
import { base } from '../components/styles';
import { emptyState, errorState, statesStyles } from '../components/ui';
import { ApiError } from '../lib/api';
import { formatShare } from '../lib/format';
import {
  applyRelaxation,
  CONTEXTS,
  CRITERIA,
  CRITERION_LABELS,
  DEFAULT_SLIDERS,
  emptyForm,
  FINETUNE_METHODS,
  formErrorsFromApi,
  formFromParams,
  formToParams,
  jobFields,
  KINDS,
  PRECISIONS,
  recommendBody,
  weightShares,
  type RecommendForm,
} from '../lib/recommend-form';
import { replaceQuery } from '../lib/router';
import { api } from '../lib/session';
import type { Criterion, Gpu, Provider, RecommendationResult, Relaxation } from '../lib/types';
import './recommend/assistant-box';
import { diagnosisCard, matchedLine, needsLine, paintScores, recommendationCard, resultStyles } from './recommend/result-list';

const PRESETS: Array<[string, Partial<RecommendForm>]> = [
  ['Serve Llama 3 8B', { mode: 'job', kind: 'llm_inference', modelParamsB: '8', hours: '24' }],
  ['Fine-tune 70B with QLoRA', { mode: 'job', kind: 'llm_finetune', modelParamsB: '70', finetuneMethod: 'qlora', datasetTokens: '50M' }],
  ['SDXL for an afternoon', { mode: 'job', kind: 'image_generation', hours: '4' }],
  ['8 GPUs, 640 GB', { mode: 'raw', gpuMemoryGb: '640', gpuCount: '8', hours: '12' }],
];

export class RecommendPage extends LitElement {
  static override properties = {
    query: { attribute: false },
    form: { state: true },
    errors: { state: true },
    result: { state: true },
    fromAssistant: { state: true },
    loading: { state: true },
    error: { state: true },
    providers: { state: true },
    gpus: { state: true },
  };
  declare query: URLSearchParams;
  declare form: RecommendForm;
  declare errors: Record<string, string>;
  declare result: RecommendationResult | null;
  declare fromAssistant: boolean;
  declare loading: boolean;
  declare error: unknown;
  declare providers: Provider[];
  declare gpus: string[];

  private abort: AbortController | null = null;
  private ranFor = '';

  constructor() {
    super();
    this.query = new URLSearchParams();
    this.form = emptyForm();
    this.errors = {};
    this.result = null;
    this.fromAssistant = false;
    this.loading = false;
    this.error = null;
    this.providers = [];
    this.gpus = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.loadChoices();
    this.addEventListener('gpb-recommendations', this.onAssistant as EventListener);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.abort?.abort();
    this.removeEventListener('gpb-recommendations', this.onAssistant as EventListener);
  }

  override willUpdate(changed: Map<string, unknown>) {
    // A shared link or Back from the deploy flow: the form from the URL, run once.
    if (changed.has('query')) {
      const f = formFromParams(this.query);
      const key = this.query.toString();
      if (f && key !== this.ranFor) {
        this.form = f;
        this.ranFor = key;
        void this.run(false);
      }
    }
  }

  override updated() {
    paintScores(this.renderRoot);
  }

  private onAssistant = (e: CustomEvent<RecommendationResult>) => {
    this.result = e.detail;
    this.fromAssistant = true;
    this.error = null;
  };

  private async loadChoices() {
    // Public data, asked anonymously; the form still works without these choices.
    const [providers, gpus] = await Promise.all([
      api.get<{ data: Provider[] }>('/v1/providers', { auth: 'none' }).catch(() => ({ data: [] as Provider[] })),
      api.get<{ data: Gpu[] }>('/v1/gpus', { query: { listedOnly: 'true' }, auth: 'none' }).catch(() => ({ data: [] as Gpu[] })),
    ]);
    this.providers = providers.data.filter((p) => p.enabled);
    this.gpus = gpus.data.map((g) => g.name);
  }

  private set<K extends keyof RecommendForm>(key: K, value: RecommendForm[K]) {
    this.form = { ...this.form, [key]: value };
    if (this.errors[key as string]) {
      const { [key as string]: _gone, ...rest } = this.errors;
      this.errors = rest;
    }
  }

  private async run(writeUrl: boolean) {
    const { body, errors } = recommendBody(this.form);
    this.errors = errors;
    if (!body) {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    if (writeUrl) {
      const params = formToParams(this.form);
      this.ranFor = params.toString();
      replaceQuery(params);
    }
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    this.loading = true;
    this.error = null;
    this.fromAssistant = false;
    try {
      // Anonymous: the ranking reads only public market data, and this keeps the plan's budget for the dashboard.
      this.result = await api.post<RecommendationResult>('/v1/recommendations', body, { auth: 'none', signal: abort.signal });
      if (writeUrl && matchMedia('(max-width: 900px)').matches) {
        await this.updateComplete;
        this.renderRoot.querySelector('#results')?.scrollIntoView({ block: 'start' });
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      this.error = err;
      this.result = null;
      if (err instanceof ApiError && err.errors.length) this.errors = formErrorsFromApi(err.errors);
    } finally {
      if (!abort.signal.aborted) this.loading = false;
    }
  }

  private relax = (r: Relaxation) => {
    const next = applyRelaxation(this.form, r);
    if (!next) return;
    this.form = next;
    void this.run(true);
  };

  private preset(p: Partial<RecommendForm>) {
    this.form = { ...emptyForm(), ...p };
    this.errors = {};
    void this.run(true);
  }

  private text(name: keyof RecommendForm, label: string, opts: { placeholder?: string; hint?: string; inputmode?: string; prefix?: string; suffix?: string } = {}) {
    const err = this.errors[name];
    const value = String(this.form[name] ?? '');
    return html`<label class="field">${label}
      <span class="affix ${opts.prefix ? 'has-prefix' : ''} ${opts.suffix ? 'has-suffix' : ''}">
        ${opts.prefix ? html`<span class="pre" aria-hidden="true">${opts.prefix}</span>` : nothing}
        <input name=${name} autocomplete="off" inputmode=${opts.inputmode ?? 'decimal'} placeholder=${opts.placeholder ?? nothing} .value=${value}
          @input=${(e: Event) => this.set(name, (e.target as HTMLInputElement).value as never)}
          aria-invalid=${err ? 'true' : 'false'} aria-describedby=${err || opts.hint ? `${name}-note` : nothing} />
        ${opts.suffix ? html`<span class="suf" aria-hidden="true">${opts.suffix}</span>` : nothing}
      </span>
      ${err ? html`<span class="error" id="${name}-note">${err}</span>` : opts.hint ? html`<span class="hint" id="${name}-note">${opts.hint}</span>` : nothing}
    </label>`;
  }

  private renderJob() {
    const f = this.form;
    const fields = jobFields(f.kind);
    return html`
      <label class="field">Job
        <select name="kind" @change=${(e: Event) => this.set('kind', (e.target as HTMLSelectElement).value as RecommendForm['kind'])}>
          ${KINDS.map(([k, label]) => html`<option value=${k} ?selected=${f.kind === k}>${label}</option>`)}
        </select>
      </label>
      <div class="two">
        ${fields.has('modelParamsB') ? this.text('modelParamsB', 'Model size', { placeholder: '70', suffix: 'B params' }) : nothing}
        ${fields.has('precision')
          ? html`<label class="field">Precision
              <select name="precision" aria-invalid=${this.errors.precision ? 'true' : 'false'} @change=${(e: Event) => this.set('precision', (e.target as HTMLSelectElement).value as RecommendForm['precision'])}>
                <option value="" ?selected=${!f.precision}>Default</option>
                ${PRECISIONS.map((p) => html`<option value=${p} ?selected=${f.precision === p}>${p}</option>`)}
              </select>${this.errors.precision ? html`<span class="error">${this.errors.precision}</span>` : nothing}</label>`
          : nothing}
        ${fields.has('finetuneMethod')
          ? html`<label class="field">Method
              <select name="finetuneMethod" @change=${(e: Event) => this.set('finetuneMethod', (e.target as HTMLSelectElement).value as RecommendForm['finetuneMethod'])}>
                <option value="" ?selected=${!f.finetuneMethod}>LoRA (default)</option>
                ${FINETUNE_METHODS.map(([m, label]) => html`<option value=${m} ?selected=${f.finetuneMethod === m}>${label}</option>`)}
              </select></label>`
          : nothing}
        ${fields.has('contextTokens')
          ? html`<label class="field">Context
              <select name="contextTokens" @change=${(e: Event) => this.set('contextTokens', (e.target as HTMLSelectElement).value)}>
                <option value="" ?selected=${!f.contextTokens}>Default</option>
                ${CONTEXTS.map((c) => html`<option value=${c} ?selected=${f.contextTokens === String(c)}>${c / 1024}k tokens</option>`)}
              </select></label>`
          : nothing}
        ${fields.has('batchSize') ? this.text('batchSize', f.kind === 'training' || f.kind === 'llm_finetune' ? 'Micro-batch / GPU' : 'Concurrent requests', { placeholder: 'default', inputmode: 'numeric' }) : nothing}
        ${fields.has('tokensPerSecond') ? this.text('tokensPerSecond', 'Throughput', { placeholder: 'any', suffix: 'tok/s' }) : nothing}
        ${fields.has('datasetTokens') ? this.text('datasetTokens', f.kind === 'llm_inference' || f.kind === 'batch' ? 'Tokens to generate' : 'Dataset tokens', { placeholder: 'e.g. 500M', inputmode: 'text' }) : nothing}
        ${fields.has('epochs') ? this.text('epochs', 'Epochs', { placeholder: '1' }) : nothing}
      </div>`;
  }

  private renderRaw() {
    return html`<div class="two">
      ${this.text('gpuMemoryGb', 'GPU memory, total', { placeholder: '80', suffix: 'GB' })}
      ${this.text('gpuCount', 'GPUs, at least', { placeholder: '1', inputmode: 'numeric' })}
      ${this.text('minTflops', 'FP16 TFLOPS per GPU', { placeholder: 'any' })}
    </div>`;
  }

  private renderWeights() {
    const w = this.form.weights ?? DEFAULT_SLIDERS;
    const shares = weightShares(w);
    return html`<details class="weights" ?open=${this.form.weights !== null}>
      <summary>Ranking priorities${this.form.weights ? html` <span class="badge accent plain">custom</span>` : html` <span class="faint small">default</span>`}</summary>
      <div class="sliders">
        ${CRITERIA.map((c: Criterion) => html`<label class="slider"><span>${CRITERION_LABELS[c]}</span>
          <input type="range" min="0" max="10" step="1" name="w-${c}" .value=${String(w[c])}
            @input=${(e: Event) => this.set('weights', { ...w, [c]: Number((e.target as HTMLInputElement).value) })} aria-valuetext="${w[c]} of 10, ${formatShare(shares[c])} of the ranking" />
          <output class="num faint">${formatShare(shares[c])}</output></label>`)}
        ${this.errors.weights ? html`<span class="error">${this.errors.weights}</span>` : nothing}
        ${this.form.weights ? html`<button class="btn btn-sm btn-ghost reset" type="button" @click=${() => this.set('weights', null)}>Reset to defaults</button>` : nothing}
      </div>
    </details>`;
  }

  private renderForm() {
    const f = this.form;
    return html`<form class="card form" @submit=${(e: Event) => { e.preventDefault(); void this.run(true); }} aria-label="Workload" novalidate>
      <div class="seg" role="group" aria-label="How to describe the workload">
        <button type="button" aria-pressed=${f.mode === 'job' ? 'true' : 'false'} @click=${() => this.set('mode', 'job')}>Describe the job</button>
        <button type="button" aria-pressed=${f.mode === 'raw' ? 'true' : 'false'} @click=${() => this.set('mode', 'raw')}>Raw needs</button>
      </div>
      <div class="body">
        ${f.mode === 'job' ? this.renderJob() : this.renderRaw()}
        ${this.text('hours', f.mode === 'job' && f.datasetTokens.trim() ? 'Deadline' : 'Run time', { placeholder: f.mode === 'job' && (f.kind === 'training' || f.kind === 'llm_finetune') ? 'or give dataset tokens' : '1', suffix: 'hours' })}
        <fieldset>
          <legend>Limits</legend>
          <div class="two">
            ${this.text('budgetUsd', 'Budget', { placeholder: 'none', prefix: '$' })}
            ${this.text('maxPricePerGpuHour', 'Max per GPU-hour', { placeholder: 'none', prefix: '$' })}
          </div>
          <label class="check top"><input type="checkbox" name="interruptible" .checked=${f.interruptible} @change=${(e: Event) => this.set('interruptible', (e.target as HTMLInputElement).checked)} />
            <span>Allow spot / interruptible offers<span class="faint small block">Cheaper, but can be reclaimed; the expected cost of preemption is counted.</span></span></label>
        </fieldset>
        <details class="where" ?open=${Boolean(f.regions || f.countries || f.providers.length || f.gpuModels.length)}>
          <summary>Where and on whom${f.regions || f.countries || f.providers.length || f.gpuModels.length ? html` <span class="badge accent plain">set</span>` : nothing}</summary>
          <div class="two">
            ${this.text('regions', 'Regions', { placeholder: 'us-, eu-west', inputmode: 'text' })}
            ${this.text('countries', 'Countries', { placeholder: 'US, DE', inputmode: 'text' })}
          </div>
          ${this.providers.length
            ? html`<fieldset class="checks"><legend>Providers <span class="faint small">(none ticked: all)</span></legend>
                ${this.providers.map((p) => html`<label class="check"><input type="checkbox" .checked=${f.providers.includes(p.id)}
                  @change=${(e: Event) => this.set('providers', (e.target as HTMLInputElement).checked ? [...f.providers, p.id] : f.providers.filter((x) => x !== p.id))} />${p.name}</label>`)}
              </fieldset>`
            : nothing}
          ${this.gpus.length
            ? html`<label class="field">GPU models <span class="faint small">(none chosen: all)</span>
                <select multiple size="5" name="gpuModels" @change=${(e: Event) => this.set('gpuModels', [...(e.target as HTMLSelectElement).selectedOptions].map((o) => o.value))}>
                  ${this.gpus.map((g) => html`<option value=${g} ?selected=${f.gpuModels.includes(g)}>${g}</option>`)}
                </select></label>`
            : nothing}
        </details>
        ${this.renderWeights()}
      </div>
      <div class="submit">
        <button class="btn btn-ghost btn-sm" type="button" @click=${() => { this.form = emptyForm(); this.errors = {}; }}>Clear</button>
        <button class="btn btn-primary" type="submit" ?disabled=${this.loading}>${this.loading ? 'Ranking…' : 'Find offers'}</button>
      </div>
    </form>`;
  }

  private renderResults() {
    if (this.error) {
      const unfit = this.error instanceof ApiError && this.error.status === 422;
      return unfit
        ? html`<section class="card">${emptyState('No single instance can hold this', (this.error as ApiError).userMessage)}</section>`
        : errorState(this.error, () => void this.run(false));
    }
    if (this.loading && !this.result) return html`<div class="stack">${[0, 1, 2].map(() => html`<div class="card skeleton rec-sk"></div>`)}</div>`;
    const r = this.result;
    if (!r) {
      return html`<section class="card card-pad intro">
        <h2>Describe the job, get the offers that do it best</h2>
        <p class="muted">The ranking weighs the whole job’s cost (including the expected cost of preemption on spot), the time it takes on each GPU, how fresh and available each offer is, and how reliable its provider has been.</p>
        <div class="presets"><span class="label">Start from</span>${PRESETS.map(([label, p]) => html`<button type="button" class="btn btn-sm" @click=${() => this.preset(p)}>${label}</button>`)}</div>
      </section>`;
    }
    return html`<div class="res-head">
        <div><h2 data-testid="matched">${r.data.length ? matchedLine(r) : 'No offer fits'}</h2>${needsLine(r)}</div>
        ${this.fromAssistant ? html`<span class="badge accent plain">from the assistant</span>` : nothing}
      </div>
      <div class="list ${this.loading ? 'stale' : ''}" aria-busy=${this.loading ? 'true' : 'false'}>
        ${r.data.length ? r.data.map((rec) => recommendationCard(rec)) : diagnosisCard(r, this.fromAssistant ? null : this.relax)}
      </div>`;
  }

  override render() {
    return html`<div class="page">
      <div class="page-head"><div><h1>Recommend</h1><p>Size a job, rank the live market for it, deploy the best offer.</p></div></div>
      <div class="layout">
        <aside class="side">${this.renderForm()}</aside>
        <div class="main">
          <gpb-assistant></gpb-assistant>
          <section id="results" class="results" aria-live="polite" aria-label="Recommendations">${this.renderResults()}</section>
        </div>
      </div>
    </div>`;
  }

  static override styles = [
    base,
    statesStyles,
    resultStyles,
    css`
      .layout { display: grid; grid-template-columns: 380px minmax(0, 1fr); gap: var(--space-5); align-items: start; }
      .main { display: flex; flex-direction: column; gap: var(--space-5); min-width: 0; }
      .side { position: sticky; top: calc(var(--header-h) + 16px); max-height: calc(100vh - var(--header-h) - 32px); overflow-y: auto; border-radius: var(--radius-lg); }
      @media (max-width: 1000px) {
        .layout { grid-template-columns: minmax(0, 1fr); }
        .side { position: static; max-height: none; order: 2; }
        .main { display: contents; }
        gpb-assistant { order: 1; }
        .results { order: 3; }
      }
      .form { display: flex; flex-direction: column; }
      .seg { display: grid; grid-template-columns: 1fr 1fr; gap: 2px; padding: 3px; margin: var(--space-4) var(--space-4) 0; border: 1px solid var(--border-strong); border-radius: var(--radius); }
      .seg button { all: unset; text-align: center; cursor: pointer; font-size: var(--text-sm); font-weight: 550; padding: 6px; border-radius: 6px; color: var(--text-muted); }
      .seg button[aria-pressed='true'] { background: var(--bg-muted); color: var(--text); }
      .seg button:focus-visible { outline: 2px solid var(--focus); }
      .body { display: flex; flex-direction: column; gap: var(--space-4); padding: var(--space-4); }
      .two { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: var(--space-3); }
      fieldset { border: 0; padding: 0; margin: 0; display: flex; flex-direction: column; gap: var(--space-3); }
      legend { font-size: var(--text-xs); font-weight: 600; color: var(--text-muted); text-transform: uppercase; letter-spacing: 0.06em; margin-bottom: var(--space-2); padding: 0; }
      .checks { flex-direction: row; flex-wrap: wrap; gap: var(--space-2) var(--space-4); margin-top: var(--space-3); }
      .checks legend { width: 100%; text-transform: none; letter-spacing: 0; font-size: var(--text-sm); color: var(--text); font-weight: 550; }
      .check { display: flex; align-items: center; gap: 8px; font-size: var(--text-sm); }
      .check.top { align-items: flex-start; }
      .check.top input { margin-top: 3px; }
      .block { display: block; margin-top: 2px; }
      select[multiple] { height: auto; padding: 4px; }
      .affix { display: flex; align-items: center; border: 1px solid var(--border-strong); border-radius: var(--radius); background: var(--surface); }
      .affix input { border: 0; flex: 1; min-width: 0; background: transparent; }
      .affix input:focus-visible { outline: none; }
      .affix:focus-within { outline: 2px solid var(--focus); outline-offset: 0; border-color: transparent; }
      .affix:has(input[aria-invalid='true']) { border-color: var(--red); }
      .pre { padding-left: 10px; color: var(--text-muted); font-size: var(--text-sm); }
      .suf { padding-right: 10px; color: var(--text-faint); font-size: var(--text-xs); white-space: nowrap; }
      .error { color: var(--red); font-size: var(--text-xs); font-weight: 500; }
      details.where, details.weights { border-top: 1px solid var(--border); padding-top: var(--space-3); }
      details > summary { cursor: pointer; font-size: var(--text-sm); font-weight: 600; list-style-position: inside; }
      details[open] > summary { margin-bottom: var(--space-3); }
      details.where .two { margin-bottom: var(--space-1); }
      .sliders { display: flex; flex-direction: column; gap: var(--space-2); }
      .slider { display: grid; grid-template-columns: 140px minmax(0, 1fr) 44px; align-items: center; gap: var(--space-2); font-size: var(--text-sm); }
      .slider input { height: 20px; padding: 0; border: 0; accent-color: var(--accent); background: transparent; }
      .slider output { text-align: right; font-size: var(--text-xs); }
      .reset { align-self: flex-start; }
      .submit { display: flex; justify-content: space-between; align-items: center; padding: var(--space-3) var(--space-4); border-top: 1px solid var(--border); background: var(--bg-subtle); border-radius: 0 0 var(--radius-lg) var(--radius-lg); position: sticky; bottom: 0; }
      .small { font-size: var(--text-xs); }
      .results { display: flex; flex-direction: column; gap: var(--space-3); min-width: 0; scroll-margin-top: calc(var(--header-h) + 12px); }
      .res-head { display: flex; justify-content: space-between; align-items: flex-end; gap: var(--space-3); flex-wrap: wrap; }
      .res-head h2 { font-size: var(--text-base); }
      .list { display: flex; flex-direction: column; gap: var(--space-3); }
      .list.stale { opacity: 0.55; }
      .rec-sk { height: 190px; border: 0; }
      .intro { display: flex; flex-direction: column; gap: var(--space-3); }
      .intro p { max-width: 70ch; font-size: var(--text-sm); }
      .presets { display: flex; gap: var(--space-2); flex-wrap: wrap; align-items: center; }
    `,
  ];
}

customElements.define('recommend-page', RecommendPage);
