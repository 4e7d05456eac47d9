// The dashboard's curves: one uPlot chart per metric, one series per selected run, against the
// iteration or the run's clock; redrawn from the runs' columns (uPlot.join aligns the runs' x values).
import uPlot from '/vendor/uPlot.esm.js';

const HEIGHT = 170;

/** Rows of one run with an x value: [xs, ys] as uPlot tables. */
function table(columns, xKey, yKey) {
  const xs = [],
    ys = [];
  const xCol = columns[xKey] ?? [],
    yCol = columns[yKey] ?? [];
  for (let i = 0; i < xCol.length; i++) {
    if (xCol[i] === null) continue;
    xs.push(xCol[i]);
    ys.push(yCol[i] ?? null);
  }
  return [xs, ys];
}

export class Charts {
  /** @param {HTMLElement} container @param {{key: string, title: string}[]} defs */
  constructor(container, defs) {
    this.container = container;
    this.defs = defs;
    this.plots = new Map();
    this.layoutKey = '';
  }

  /**
   * Draws `runs` ({id, name, color, columns}) against `xKey`; charts are rebuilt when the set of runs
   * or the x axis changes, else only their data is replaced.
   */
  draw(runs, xKey) {
    const layoutKey = `${xKey}|${runs.map((r) => `${r.id}:${r.color}`).join(',')}`;
    if (layoutKey !== this.layoutKey) this.rebuild(runs, xKey, layoutKey);
    for (const def of this.defs) {
      const entry = this.plots.get(def.key);
      if (!entry) continue;
      const tables = runs.map((r) => table(r.columns, xKey, def.key));
      const points = tables.reduce((n, [, ys]) => n + ys.filter((y) => y !== null).length, 0);
      entry.box.dataset.points = String(points);
      entry.empty.hidden = points > 0;
      if (runs.length === 0) continue;
      const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
      entry.plot.setData(data);
    }
  }

  rebuild(runs, xKey, layoutKey) {
    for (const { plot } of this.plots.values()) plot?.destroy();
    this.plots.clear();
    this.container.replaceChildren();
    this.layoutKey = layoutKey;
    const width = Math.max(260, Math.floor(this.container.clientWidth / 2) - 20);
    for (const def of this.defs) {
      const box = document.createElement('div');
      box.className = 'chart';
      box.dataset.key = def.key;
      const h = document.createElement('h3');
      h.textContent = def.title;
      const empty = document.createElement('div');
      empty.className = 'empty';
      empty.textContent = runs.length ? 'no values (yet)' : 'select a run to draw its curves';
      box.append(h, empty);
      this.container.append(box);
      if (runs.length === 0) {
        this.plots.set(def.key, { box, empty, plot: null });
        continue;
      }
      const opts = {
        width,
        height: HEIGHT,
        legend: { show: true, live: true },
        cursor: { sync: { key: 'esgrad' } },
        scales: { x: { time: false } },
        axes: [{ label: xKey === 'iter' ? 'iteration' : 'seconds since start', labelSize: 18 }, { size: 50 }],
        series: [
          { label: xKey === 'iter' ? 'iteration' : 's' },
          ...runs.map((r) => ({
            label: r.name,
            stroke: r.color,
            width: 1.5,
            spanGaps: true,
            points: { size: 4 },
          })),
        ],
      };
      const empties = [[], ...runs.map(() => [])];
      const plot = new uPlot(opts, empties, box);
      this.plots.set(def.key, { box, empty, plot });
    }
  }
}
