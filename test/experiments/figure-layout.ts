// Where a Vega-Lite figure's pieces land once laid out: the data rectangles of its views, its legends'
// boxes and the legend labels, read from the rendered scenegraph (the one the SVG is written from).
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface Rect {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export interface FigureLayout {
  /** The data area of each view (a group holding axes), in figure coordinates. */
  readonly plots: Rect[];
  /** Each legend's box, in figure coordinates. */
  readonly legends: Rect[];
  /** The text of every legend entry. */
  readonly legendLabels: string[];
  /** Every legend entry's symbol: its stroke color and dash (none: solid). */
  readonly legendSymbols: Array<{ stroke?: string; strokeDash?: number[] }>;
}

interface SceneItem {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  text?: string;
  stroke?: string;
  strokeDash?: number[];
  bounds?: { x1: number; y1: number; x2: number; y2: number };
  mark?: { role?: string; marktype?: string };
  items?: Array<{ items?: SceneItem[] }>;
}

export const overlaps = (a: Rect, b: Rect): boolean =>
  a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

export async function figureLayout(spec: Record<string, unknown>): Promise<FigureLayout> {
  const view = new vega.View(vega.parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: 'none' });
  await view.runAsync();
  const out: FigureLayout = { plots: [], legends: [], legendLabels: [], legendSymbols: [] };
  // (ox, oy): the origin of the group holding `item`; a group's children are placed relative to it.
  const visit = (item: SceneItem, ox: number, oy: number): void => {
    const role = item.mark?.role,
      x = ox + (item.x ?? 0),
      y = oy + (item.y ?? 0);
    if (role === 'legend' && item.bounds)
      out.legends.push({
        x1: ox + item.bounds.x1,
        y1: oy + item.bounds.y1,
        x2: ox + item.bounds.x2,
        y2: oy + item.bounds.y2,
      });
    if (role === 'legend-label' && item.text !== undefined) out.legendLabels.push(String(item.text));
    if (role === 'legend-symbol')
      out.legendSymbols.push({
        ...(item.stroke ? { stroke: item.stroke } : {}),
        ...(item.strokeDash ? { strokeDash: item.strokeDash } : {}),
      });
    if (item.mark?.marktype !== 'group') return;
    const children = (item.items ?? []).flatMap((m) => m.items ?? []);
    if (children.some((c) => c.mark?.role === 'axis'))
      out.plots.push({ x1: x, y1: y, x2: x + (item.width ?? 0), y2: y + (item.height ?? 0) });
    for (const c of children) visit(c, x, y);
  };
  try {
    for (const item of (view.scenegraph() as unknown as { root: { items: SceneItem[] } }).root.items)
      visit(item, 0, 0);
  } finally {
    view.finalize();
  }
  return out;
}
