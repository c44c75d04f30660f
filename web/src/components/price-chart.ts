// `<gpb-price-chart>`: min / median / max price per GPU-hour over time, drawn on canvas by uPlot
// (loaded only with this module). Colors come from the theme's tokens, resolved through probe
// elements because canvas needs concrete colors; the chart redraws on theme change and resize.
import { css, html, LitElement, unsafeCSS } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import { formatPrice } from '../lib/format';
import type { HistoryPoint } from '../lib/types';

const HEIGHT = 280;
const TOKENS = ['--accent', '--green', '--red', '--text-muted', '--border', '--text-faint'] as const;

export class PriceChart extends LitElement {
  static override properties = { points: { attribute: false }, spanSeconds: { type: Number } };
  declare points: HistoryPoint[];
  /** The window shown (24 h, 7 d, 30 d): the x axis always spans it, however few points there are. */
  declare spanSeconds: number;

  private chart: uPlot | null = null;
  private resize: ResizeObserver | null = null;
  private themeWatch: MutationObserver | null = null;
  private media = matchMedia('(prefers-color-scheme: dark)');

  constructor() {
    super();
    this.points = [];
    this.spanSeconds = 86_400;
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
      if (this.chart) this.chart.setSize({ width: box.clientWidth, height: HEIGHT });
    });
    this.resize.observe(box);
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('points')) this.redraw();
  }

  private colors(): Record<(typeof TOKENS)[number], string> {
    const out = {} as Record<(typeof TOKENS)[number], string>;
    for (const t of TOKENS) {
      const probe = this.renderRoot.querySelector<HTMLElement>(`[data-token="${t}"]`)!;
      out[t] = getComputedStyle(probe).color;
    }
    return out;
  }

  private redraw = () => {
    const box = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!box) return;
    this.chart?.destroy();
    this.chart = null;
    if (this.points.length === 0) return;
    const c = this.colors();
    const now = Date.now() / 1000;
    const xs = this.points.map((p) => Date.parse(p.t) / 1000);
    const data: uPlot.AlignedData = [
      xs,
      this.points.map((p) => p.minPricePerGpuHourUsd),
      this.points.map((p) => p.medianPricePerGpuHourUsd),
      this.points.map((p) => p.maxPricePerGpuHourUsd),
    ];
    const axis = { stroke: c['--text-muted'], grid: { stroke: c['--border'], width: 1 }, ticks: { stroke: c['--border'], width: 1 }, font: '11px Inter Variable, system-ui, sans-serif' };
    const fill = (color: string) => color.replace(/^rgb\((.*)\)$/, 'rgba($1, 0.08)');
    this.chart = new uPlot(
      {
        width: box.clientWidth,
        height: HEIGHT,
        legend: { show: true, live: true },
        cursor: { points: { size: 6 } },
        scales: { x: { time: true, range: (): uPlot.Range.MinMax => [now - this.spanSeconds, now] } },
        series: [
          {},
          { label: 'Min', stroke: c['--green'], width: 1.5, value: (_u, v) => (v === null ? '—' : formatPrice(v)) },
          { label: 'Median', stroke: c['--accent'], width: 2.25, value: (_u, v) => (v === null ? '—' : formatPrice(v)) },
          { label: 'Max', stroke: c['--red'], width: 1.5, value: (_u, v) => (v === null ? '—' : formatPrice(v)) },
        ],
        bands: [{ series: [3, 1], fill: fill(c['--accent']) }],
        axes: [
          { ...axis },
          { ...axis, size: 64, values: (_u, vals) => vals.map((v) => formatPrice(v)) },
        ],
      },
      data,
      box,
    );
  };

  override render() {
    return html`<div class="probes" aria-hidden="true">${TOKENS.map((t) => html`<span data-token=${t} class="p${TOKENS.indexOf(t)}"></span>`)}</div>
      <div class="plot" role="img" aria-label="Price per GPU-hour over time: minimum, median and maximum"></div>`;
  }

  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host { display: block; }
      .plot { width: 100%; min-height: ${unsafeCSS(String(HEIGHT))}px; }
      .probes { display: none; }
      .p0 { color: var(--accent); } .p1 { color: var(--green); } .p2 { color: var(--red); }
      .p3 { color: var(--text-muted); } .p4 { color: var(--border); } .p5 { color: var(--text-faint); }
      .uplot { font-family: var(--font-sans); }
      .u-legend { font-size: var(--text-xs); color: var(--text-muted); text-align: left; margin-top: 6px; }
      .u-legend .u-marker { border-radius: 2px; }
      .u-legend th { font-weight: 550; }
      .u-legend td { font-variant-numeric: tabular-nums; }
    `,
  ];
}

customElements.define('gpb-price-chart', PriceChart);
