// Vega-Lite specs of the paper's figures: median curves over seeds with 25th-75th percentile bands,
// reference lines, extra dashed curves, inset close-ups, and one legend under the plot (never over data).
import type { BandRow } from './series.ts';

export interface BandChart {
  readonly title: string;
  readonly rows: readonly BandRow[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly yDomain?: readonly [number, number];
  readonly xLog?: boolean;
  /** Horizontal reference lines, e.g. the paper's value. */
  readonly rules?: ReadonlyArray<{ readonly y: number; readonly label: string }>;
  /** Extra dashed curves (e.g. sampling theory): x, y, label. */
  readonly lines?: ReadonlyArray<{ readonly x: number; readonly y: number; readonly label: string }>;
  /** x-windows shown close up below the main plot (the paper's insets). */
  readonly insets?: ReadonlyArray<readonly [number, number]>;
  readonly width?: number;
  readonly height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
/** Extra curves (the `lines`) are grey and dashed, in the legend too. */
const LINE_COLOR = '#555',
  LINE_DASH = [5, 4],
  SOLID = [1, 0];

/** Legend columns so that a horizontal legend under the plot stays within its width (about 6 px a character). */
export function legendColumns(labels: readonly string[], width: number): number {
  const entry = 34 + 6 * Math.max(0, ...labels.map((l) => l.length));
  return Math.max(1, Math.min(labels.length, Math.floor(width / entry)));
}

/**
 * The color (and, with extra curves, dash) encoding shared by every layer: one legend entry per series
 * and per extra curve, placed under the plot (outside the data area, so it never hides a curve).
 */
function seriesEncoding(c: BandChart, width: number): { color: object; strokeDash?: object } {
  const groups = [...new Set(c.rows.map((r) => r.group))],
    extra = [...new Set((c.lines ?? []).map((l) => l.label))].filter((l) => !groups.includes(l));
  const domain = [...groups, ...extra];
  const color = {
    field: 'group',
    type: 'nominal',
    title: null,
    scale: {
      domain,
      range: [...groups.map((_, i) => PALETTE[i % PALETTE.length]), ...extra.map(() => LINE_COLOR)],
    },
    legend: {
      orient: 'bottom',
      direction: 'horizontal',
      columns: legendColumns(domain, width),
      labelLimit: 360,
      symbolType: 'stroke',
      symbolSize: 300,
      symbolStrokeWidth: 3,
      symbolOpacity: 1,
    },
  };
  if (!extra.length) return { color };
  const strokeDash = {
    field: 'group',
    type: 'nominal',
    title: null,
    scale: { domain, range: [...groups.map(() => SOLID), ...extra.map(() => LINE_DASH)] },
  };
  return { color, strokeDash };
}

function layers(
  c: BandChart,
  series: { color: object; strokeDash?: object },
  xDomain?: readonly [number, number],
  yDomain?: readonly [number, number],
  width = 560,
): Record<string, unknown>[] {
  const { color, strokeDash } = series;
  const x = {
    field: 'x',
    type: 'quantitative',
    title: c.xTitle,
    scale: { ...(xDomain ? { domain: xDomain } : {}), ...(c.xLog ? { type: 'log' } : {}), nice: false },
  };
  const yScale = { zero: false, ...(yDomain ? { domain: yDomain } : {}) };
  const dash = strokeDash ? { strokeDash } : {};
  const out: Record<string, unknown>[] = [
    {
      mark: { type: 'area', opacity: 0.22, clip: true },
      encoding: {
        x,
        y: { field: 'q25', type: 'quantitative', title: c.yTitle, scale: yScale },
        y2: { field: 'q75' },
        color,
      },
    },
    {
      mark: { type: 'line', strokeWidth: 1.6, clip: true },
      encoding: { x, y: { field: 'median', type: 'quantitative', scale: yScale }, color, ...dash },
    },
  ];
  if (c.lines?.length) {
    out.push({
      data: { values: c.lines },
      transform: [{ calculate: 'datum.label', as: 'group' }],
      mark: { type: 'line', strokeWidth: 1.4, clip: true },
      encoding: {
        x,
        y: { field: 'y', type: 'quantitative', scale: yScale },
        color,
        ...dash,
      },
    });
  }
  for (const r of c.rules ?? []) {
    out.push({
      data: { values: [r] },
      mark: { type: 'rule', strokeDash: [2, 3], color: '#444' },
      encoding: { y: { field: 'y', type: 'quantitative' } },
    });
    out.push({
      data: { values: [r] },
      mark: { type: 'text', align: 'right', dx: -4, dy: -6, fontSize: 11, color: '#222', fontWeight: 'bold' },
      encoding: { y: { field: 'y', type: 'quantitative' }, x: { value: width }, text: { field: 'label' } },
    });
  }
  return out;
}

/** The y-range of the rows inside an x-window, padded a little (insets zoom in on y too). */
function yRange(rows: readonly BandRow[], x0: number, x1: number): [number, number] {
  const ys = rows.filter((r) => r.x >= x0 && r.x <= x1).flatMap((r) => [r.median, r.q25, r.q75]);
  if (ys.length === 0) return [0, 1];
  const lo = Math.min(...ys),
    hi = Math.max(...ys),
    pad = (hi - lo) * 0.08 || 0.01;
  return [lo - pad, hi + pad];
}

/** A Vega-Lite spec: the main plot, then (with insets) the close-ups side by side under it. */
export function bandChart(c: BandChart): Record<string, unknown> {
  const width = c.width ?? 560,
    height = c.height ?? 300;
  const series = seriesEncoding(c, width);
  const main: Record<string, unknown> = {
    width,
    height,
    layer: layers(c, series, undefined, c.yDomain, width),
  };
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values: c.rows },
    config: { font: 'DejaVu Sans', view: { stroke: '#888' } },
  };
  if (!c.insets?.length) return { ...base, title: c.title, ...main };
  const marks = c.insets.map(([x0, x1], i) => ({ x0, x1, label: String.fromCharCode(65 + i) }));
  (main.layer as Record<string, unknown>[]).push(
    {
      data: { values: marks },
      mark: { type: 'rect', fill: null, stroke: '#333', strokeDash: [3, 2] },
      encoding: { x: { field: 'x0', type: 'quantitative' }, x2: { field: 'x1' } },
    },
    {
      data: { values: marks },
      mark: { type: 'text', baseline: 'top', dy: 3, fontWeight: 'bold' },
      encoding: { x: { field: 'x0', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
    },
  );
  const w = Math.floor((width - 40 * (c.insets.length - 1)) / c.insets.length);
  const insets = c.insets.map(([x0, x1], i) => ({
    width: w,
    height: Math.round(height * 0.5),
    title: { text: `inset ${marks[i]!.label}: iterations ${x0}-${x1}`, fontSize: 11 },
    transform: [{ filter: `datum.x >= ${x0} && datum.x <= ${x1}` }],
    layer: layers({ ...c, rules: [], lines: [] }, series, [x0, x1], yRange(c.rows, x0, x1), w),
  }));
  return { ...base, title: c.title, vconcat: [main, { hconcat: insets }] };
}

/** Values by label and series on a log axis (points with their values written beside them), e.g. seconds. */
export function logDotChart(
  title: string,
  dots: ReadonlyArray<{ label: string; value: number; series: string }>,
  yTitle: string,
): Record<string, unknown> {
  const x = { field: 'label', type: 'nominal', title: null, axis: { labelAngle: 0, labelLimit: 260 } };
  const y = { field: 'value', type: 'quantitative', title: yTitle, scale: { type: 'log' } };
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    legend: { orient: 'top', labelLimit: 360, columns: 1 },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 460,
    height: 280,
    config: { font: 'DejaVu Sans' },
    data: { values: dots },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 140 },
        encoding: { x, y, color, xOffset: { field: 'series' } },
      },
      {
        transform: [{ calculate: "format(datum.value, '.3~g') + ' s'", as: 'text' }],
        mark: { type: 'text', dx: 10, align: 'left', fontSize: 11 },
        encoding: { x, y, xOffset: { field: 'series' }, text: { field: 'text' } },
      },
    ],
  };
}
