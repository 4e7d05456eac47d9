// The figures of one run, drawn by the experiments' bandChart: test accuracy, training (and test) loss,
// ρ when measured and the ES gradient norm when logged, each against the iteration (a search: offspring).
import { type BandChart, bandChart } from './plots.ts';
import type { LoadedRunDir } from './run-dir.ts';
import { type BandRow, band, smooth, thin } from './series.ts';
import type { ReportSection } from './types.ts';

type Figure = ReportSection['figures'][number];

/** Points drawn per curve at most (every record of a long run would make megabyte SVGs). */
const MAX_POINTS = 600;
/** Per-iteration metrics (loss, ρ) are averaged over this share of their records (1%), when that is more than one. */
const SMOOTH_SHARE = 0.01;

const ALGO_NAMES: Readonly<Record<string, string>> = { es: 'ES', sgd: 'SGD', proxy: 'ES proxy' };

/** "ES", "SGD", "ES proxy", or the algorithm as written; "ES estimate" for a population search. */
export function runLabel(run: LoadedRunDir): string {
  if (isSearch(run)) return 'ES estimate';
  const algo = run.config?.algo ?? run.summary?.algo;
  return typeof algo === 'string' ? (ALGO_NAMES[algo] ?? algo) : 'run';
}

/** A correlation-vs-population search logs offspring per record; training logs iterations. */
export const isSearch = (run: LoadedRunDir): boolean =>
  run.metrics.some((m) => typeof m.offspring === 'number');

interface Curve {
  readonly rows: BandRow[];
  /** Moving-average window (records), 1 when raw. */
  readonly window: number;
}

/** One run's metric as chart rows (median = quartiles: a single run has no band), smoothed when noisy. */
function curve(run: LoadedRunDir, series: string, key: string, scale: number, noisy: boolean): Curve {
  const xKey = isSearch(run) ? 'offspring' : 'iter',
    raw = band(series, [run], key, scale, xKey),
    window = noisy ? Math.max(1, Math.round(raw.length * SMOOTH_SHARE)) : 1;
  return { rows: thin(smooth(raw, window), MAX_POINTS), window };
}

const averaged = (c: Curve): string => (c.window > 1 ? `, moving average over ${c.window} records` : '');

function figure(name: string, caption: string, chart: BandChart): Figure {
  return { name, caption, spec: bandChart(chart) };
}

/** The figures the run's records allow (none before the first record). */
export function runFigures(run: LoadedRunDir): Figure[] {
  const label = runLabel(run),
    xTitle = isSearch(run) ? 'offspring (evaluations)' : 'iteration',
    out: Figure[] = [];
  const acc = curve(run, label, 'testAccuracy', 100, false);
  if (acc.rows.length)
    out.push(
      figure('accuracy', 'Test-set accuracy, at every evaluation of the run.', {
        title: `Test accuracy (${label})`,
        rows: acc.rows,
        xTitle,
        yTitle: 'test accuracy (%)',
      }),
    );
  const train = curve(run, 'training loss (mini-batch)', 'loss', 1, true),
    test = curve(run, 'test loss', 'testLoss', 1, false);
  if (train.rows.length)
    out.push(
      figure(
        'loss',
        `Training loss on each iteration's mini-batch${averaged(train)}${test.rows.length ? '; test-set loss at every evaluation' : ''}.`,
        { title: `Loss (${label})`, rows: [...train.rows, ...test.rows], xTitle, yTitle: 'loss' },
      ),
    );
  const corr = curve(run, label, 'corr', 100, true);
  if (corr.rows.length) {
    const theory = curve(run, 'sampling theory', 'theory', 100, false).rows.map((r) => ({
      x: r.x,
      y: r.median,
      label: r.group,
    }));
    const measured = isSearch(run) ? 'after each chunk of offspring' : 'on the iterations it was measured',
      between =
        label === 'SGD'
          ? 'between the gradients of two random mini-batches (SGD vs SGD)'
          : `of the ${label} gradient with the true (backprop) gradient`;
    out.push(
      figure(
        'corr',
        `Correlation ρ ${between}, ${measured}${averaged(corr)}${theory.length ? '; dashed: sampling theory' : ''}.`,
        {
          title: `Gradient correlation ρ (${label})`,
          rows: corr.rows,
          xTitle,
          yTitle: 'gradient correlation ρ (%)',
          ...(theory.length ? { lines: theory } : {}),
        },
      ),
    );
  }
  const norm = curve(run, label, 'gradNorm', 1, true);
  if (norm.rows.length)
    out.push(
      figure('grad-norm', `Euclidean norm of the ${label} gradient estimate${averaged(norm)}.`, {
        title: `Gradient norm (${label})`,
        rows: norm.rows,
        xTitle,
        yTitle: '‖gradient‖',
      }),
    );
  return out;
}
