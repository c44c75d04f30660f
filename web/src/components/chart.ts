// `<gpb-chart>`: time series drawn on canvas by uPlot (this module and the library load only with a
// page that draws one): lines, bars, and bands between two series (a forecast's interval). Colors
// are the theme's tokens, read through probe elements because canvas needs concrete colors; the
// chart redraws on theme change and resizes with its box. The legend shows values under the cursor.
import { css, html, LitElement, unsafeCSS } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import type { Columns } from '../lib/chart-data';
import { formatInt, formatPrice, formatUsdCompact } from '../lib/format';

export type ChartTone = 'accent' | 'green' | 'red' | 'amber' | 'blue' | 'muted';
const TONES: readonly ChartTone[] = ['accent', 'green', 'red', 'amber', 'blue', 'muted'];
const AXIS_TOKENS = ['text-muted', 'border'] as const;

export interface ChartSeries {
  label: string;
  tone: ChartTone;
  kind?: 'line' | 'bar';
  dash?: boolean;
  width?: number;
  /** Left out of the legend (a band's edges). */
  legend?: boolean;
  /** Dots on the line where the data is sparse (uPlot's own rule), so a lone point still shows. */
  sparseDots?: boolean;
}

export interface ChartBand {
  /** Indices into `series`. */
  upper: number;
  lower: number;
  tone: ChartTone;
  /** Fill opacity, 0–1. */
  alpha: number;
}

export interface ChartSpec {
  columns: Columns;
  series: ChartSeries[];
  bands?: ChartBand[];
  /** How the y values read: dollars (compact), prices per hour (cents), or counts. */
  y: 'usd' | 'price' | 'count';
  /** Day bars (UTC dates on the axis) or a time line. */
  x: 'day' | 'time';
  xRange?: [number, number];
  height?: number;
}

const DAY = 86_400;
const dayLabel = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** Turns `rgb(r g b)` / `rgb(r, g, b)` into the same color at `alpha`. */
function withAlpha(color: string, alpha: number): string {
  const m = /^rgba?\(([^)]+)\)$/.exec(color);
  if (!m) return color;
  const [r, g, b] = m[1]!.split(/[\s,/]+/).filter(Boolean);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

export class Chart extends LitElement {
  static override properties = { spec: { attribute: false }, label: { type: String } };
  declare spec: ChartSpec | null;
  /** What the chart shows, for people who cannot see it. */
  declare label: string;

  private chart: uPlot | null = null;
  private resize: ResizeObserver | null = null;
  private themeWatch: MutationObserver | null = null;
  private media = matchMedia('(prefers-color-scheme: dark)');

  constructor() {
    super();
    this.spec = null;
    this.label = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.themeWatch = new MutationObserver(() => this.redraw());
    this.themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    this.media.addEventListener('change', this.redraw);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
    this.themeWatch?.disconnect();
    this.media.removeEventListener('change', this.redraw);
    this.chart?.destroy();
    this.chart = null;
  }

  override firstUpdated(): void {
    const box = this.renderRoot.querySelector<HTMLElement>('.plot')!;
    this.resize = new ResizeObserver(() => {
      if (this.chart && this.spec) this.chart.setSize({ width: box.clientWidth, height: this.spec.height ?? 240 });
    });
    this.resize.observe(box);
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('spec')) this.redraw();
  }

  private color(token: string): string {
    return getComputedStyle(this.renderRoot.querySelector<HTMLElement>(`[data-token="${token}"]`)!).color;
  }

  private redraw = () => {
    const box = this.renderRoot.querySelector<HTMLElement>('.plot');
    const spec = this.spec;
    if (!box) return;
    this.chart?.destroy();
    this.chart = null;
    if (!spec || spec.columns.x.length === 0) return;
    const muted = this.color('text-muted');
    const border = this.color('border');
    // Legend values show under the cursor only: nothing (not a dash per series) when it is off the chart.
    const yValue = (v: number | null): string => (v === null ? '' : spec.y === 'price' ? formatPrice(v) : spec.y === 'usd' ? formatUsdCompact(v) : formatInt(v));
    // Axis labels keep as many decimals as the tick step needs, so $0.025 steps never read as $0.03.
    const yTick = (v: number, step: number): string => {
      if (spec.y === 'count') return Number.isInteger(v) ? formatInt(v) : '';
      const stepDecimals = Math.min(4, (String(step).split('.')[1] ?? '').length);
      const fixed = `$${Math.abs(v).toFixed(step >= 1 ? 0 : Math.max(2, stepDecimals))}`;
      return v < 0 ? `−${fixed}` : Math.abs(v) >= 10_000 ? formatUsdCompact(v) : fixed;
    };
    const axis = { stroke: muted, grid: { stroke: border, width: 1 }, ticks: { stroke: border, width: 1, size: 4 }, font: '11px Inter Variable, system-ui, sans-serif', labelFont: '11px Inter Variable, system-ui, sans-serif' };
    const bars = spec.series.some((s) => s.kind === 'bar');
    const xs = spec.columns.x;
    const xRange: uPlot.Range.MinMax = spec.xRange ?? (bars ? [xs[0]! - DAY / 2, xs[xs.length - 1]! + DAY / 2] : [xs[0]!, xs[xs.length - 1]!]);
    const series: uPlot.Series[] = [
      { value: (_u, v) => (v === null ? '' : spec.x === 'day' ? dayLabel.format(v * 1000) : new Date(v * 1000).toLocaleString('en-US', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false })) },
      ...spec.series.map((s): uPlot.Series => {
        const stroke = this.color(s.tone);
        return s.kind === 'bar'
          ? { label: s.label, stroke, fill: withAlpha(stroke, 0.8), width: 0, paths: uPlot.paths.bars!({ size: [0.72, 44], radius: 0.12 }), points: { show: false }, value: (_u, v) => yValue(v) }
          : { label: s.label, stroke, width: s.width ?? 2, dash: s.dash ? [6, 4] : undefined, ...(s.sparseDots ? {} : { points: { show: false } }), spanGaps: false, value: (_u, v) => yValue(v) };
      }),
    ];
    const counts = spec.y === 'count';
    this.chart = new uPlot(
      {
        width: box.clientWidth,
        height: spec.height ?? 240,
        legend: { show: true, live: true },
        cursor: { points: { size: 6 }, drag: { x: false, y: false } },
        ...(spec.x === 'day' ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') } : {}),
        scales: {
          x: { time: true, range: (): uPlot.Range.MinMax => xRange },
          y: {
            range: (_u, min, max): uPlot.Range.MinMax => {
              if (bars || counts) return [0, max > 0 ? max * 1.15 : 1];
              const pad = Math.max((max - min) * 0.12, Math.abs(max) * 0.02, 0.001);
              return [Math.max(0, min - pad), max + pad];
            },
          },
        },
        series,
        bands: spec.bands?.map((b) => ({ series: [b.upper + 1, b.lower + 1] as uPlot.Band.Bounds, fill: withAlpha(this.color(b.tone), b.alpha) })),
        axes: [
          { ...axis, ...(spec.x === 'day' ? { values: (_u: uPlot, vals: number[]) => vals.map((v) => dayLabel.format(v * 1000)) } : {}) },
          { ...axis, size: 64, ...(counts ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] } : {}), values: (_u: uPlot, vals: number[], _axis: number, _space: number, step: number) => vals.map((v) => yTick(v, step)) },
        ],
      },
      [xs, ...spec.columns.series] as uPlot.AlignedData,
      box,
    );
    // Band edges carry no meaning of their own in the legend.
    const rows = this.renderRoot.querySelectorAll<HTMLElement>('.u-legend .u-series');
    spec.series.forEach((s, i) => {
      if (s.legend === false && rows[i + 1]) rows[i + 1]!.hidden = true;
    });
  };

  override render() {
    return html`<div class="probes" aria-hidden="true">${[...TONES, ...AXIS_TOKENS].map((t) => html`<span data-token=${t} class="t-${t}"></span>`)}</div>
      <div class="plot" role="img" aria-label=${this.label}></div>`;
  }

  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host { display: block; }
      .plot { width: 100%; min-height: 120px; }
      .probes { display: none; }
      .t-accent { color: var(--accent); } .t-green { color: var(--green); } .t-red { color: var(--red); }
      .t-amber { color: var(--amber); } .t-blue { color: var(--blue); } .t-muted { color: var(--text-faint); }
      .t-text-muted { color: var(--text-muted); } .t-border { color: var(--border); }
      .uplot { font-family: var(--font-sans); }
      .u-legend { font-size: var(--text-xs); color: var(--text-muted); text-align: left; margin-top: 6px; }
      .u-legend .u-marker { border-radius: 2px; }
      .u-legend th { font-weight: 550; }
      .u-legend td { font-variant-numeric: tabular-nums; }
      .u-legend .u-series[hidden], .u-legend .u-series:first-child { display: none; }
    `,
  ];
}

customElements.define('gpb-chart', Chart);
