// `esgrad report RUN_DIR` for one run: its settings (config.json), its results (summary.json, or what
// metrics.jsonl holds so far when the run is unfinished) and its figures, written as RUN_DIR/report.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flag } from '../run/config.ts';
import type { Metrics } from '../types.ts';
import { bandChart } from './plots.ts';
import { markdownTable, writeFigures } from './report.ts';
import { type LoadedRunDir, loadRunDir } from './run-dir.ts';
import { isSearch, runFigures, runLabel } from './run-figures.ts';
import { band, thin } from './series.ts';
import { mean } from './stats.ts';
import type { Table } from './types.ts';

type Algo = 'es' | 'sgd' | 'proxy';

/** The settings shown, in order, with the algorithms they matter for (all when omitted). */
const SETTINGS: ReadonlyArray<readonly [key: string, label: string, algos?: readonly Algo[]]> = [
  ['loss', 'loss function'],
  ['iters', 'iterations (planned)'],
  ['batch', 'mini-batch size'],
  ['optimizer', 'optimizer'],
  ['lr', 'learning rate'],
  ['l2', 'L2 weight decay'],
  ['population', 'offspring per iteration', ['es']],
  ['sigma', 'σ (perturbation scale)', ['es']],
  ['mirrored', 'mirrored sampling', ['es']],
  ['fitness', 'fitness shaping', ['es']],
  ['limited', 'limited perturbation', ['es']],
  ['bucketSize', 'bucket size (limited perturbation)', ['es']],
  ['noMinibatch', 'no mini-batch (a subset per offspring pair)', ['es']],
  ['subsetSize', 'subset size (no mini-batch)', ['es']],
  ['noiseTableSize', 'noise table size', ['es']],
  ['targetCorr', 'target gradient correlation', ['proxy']],
  ['evalEvery', 'test-set evaluation every (iterations)'],
  ['corrEvery', 'ρ measured every (iterations; 0: never)'],
  ['sgdVsSgdEvery', 'SGD vs SGD measured every (iterations; 0: never)'],
  ['task', 'control task'],
  ['hidden', 'hidden layer widths of the policy'],
  ['episodesPerOffspring', 'episodes per offspring'],
  ['maxSteps', "episode step limit (0: the task's own)"],
  ['sharedEpisodes', 'the same initial states for all offspring of an iteration'],
  ['obsStatsFraction', 'share of rollouts feeding the observation statistics'],
  ['evalEpisodes', 'episodes of each noiseless evaluation'],
  ['evaluator', 'offspring evaluator', ['es']],
  ['workers', 'worker threads (0: all cores)', ['es']],
  ['threads', 'ONNX Runtime threads (0: all cores)'],
];

/** Flags that are not the key's plain kebab-case form. */
const FLAGS: Readonly<Record<string, string>> = { mirrored: '--no-mirrored' };

/** Settings that only matter when another one is on. */
const ONLY_WITH: Readonly<Record<string, string>> = { bucketSize: 'limited', subsetSize: 'noMinibatch' };

export function formatValue(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : String(v);
  if (v === null || v === undefined) return 'n/a';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const pct = (x: unknown): string => (typeof x === 'number' ? `${(100 * x).toFixed(2)}%` : 'n/a');
const num = (x: unknown, digits = 4): string => (typeof x === 'number' ? x.toFixed(digits) : 'n/a');

/** A value from config.json, else run.json, else summary.json. */
const setting = (run: LoadedRunDir, key: string): unknown =>
  run.config?.[key] ?? run.info?.[key] ?? run.summary?.[key];

/** Algorithm, model, data and seed: the run's identity, for the report's head. */
export function runIdentity(run: LoadedRunDir): {
  label: string;
  model: string;
  dataset: string;
  seed: string;
} {
  const params = setting(run, 'params');
  return {
    label: runLabel(run),
    model: `${formatValue(run.info?.model ?? setting(run, 'model'))}${typeof params === 'number' ? ` (${params.toLocaleString('en-US')} parameters)` : ''}`,
    dataset: formatValue(run.info?.dataset ?? run.summary?.dataset ?? run.config?.dataset),
    seed: formatValue(setting(run, 'seed')),
  };
}

/** The run's settings from config.json: setting, value, the `esgrad train` flag. */
export function settingsTable(run: LoadedRunDir): Table {
  const config = run.config ?? {},
    algo = (config.algo ?? (isControl(run) ? 'es' : undefined)) as Algo | undefined;
  const shown = SETTINGS.filter(
    ([key, , algos]) =>
      key in config &&
      (algos === undefined || algo === undefined || algos.includes(algo)) &&
      (ONLY_WITH[key] === undefined || config[ONLY_WITH[key]] === true),
  );
  return {
    title: 'Settings',
    header: ['setting', 'value', 'flag'],
    rows: shown.map(([key, label]) => [label, formatValue(config[key]), `\`${FLAGS[key] ?? flag(key)}\``]),
    caption: 'All settings: config.json in this directory.',
  };
}

/** The last value of a metric in the records. */
function last(metrics: readonly Metrics[], key: string): unknown {
  for (let i = metrics.length - 1; i >= 0; i--)
    if (typeof metrics[i]![key] === 'number') return metrics[i]![key];
  return undefined;
}

const values = (metrics: readonly Metrics[], key: string): number[] =>
  metrics.map((m) => m[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));

/** What the run reached: summary.json's numbers, or, for an unfinished run, those of the records so far. */
export function resultsTable(run: LoadedRunDir): Table {
  const s = run.summary,
    m = run.metrics,
    sofar = s ? '' : ' (so far)';
  const corrs = values(m, 'corr'),
    accs = values(m, 'testAccuracy');
  if (isSearch(run))
    return {
      title: 'Results',
      header: ['what', 'value'],
      rows: [
        ['target ρ', pct(s?.target)],
        ['offspring per chunk; cap', `${formatValue(s?.chunk)}; ${formatValue(s?.cap)}`],
        [
          'offspring that reached the target',
          s ? formatValue(s.reached ?? 'not reached before the cap') : 'n/a',
        ],
        [`offspring evaluated${sofar}`, formatValue(s?.offspring ?? last(m, 'offspring'))],
        [`last ρ${sofar}`, pct(s?.corr ?? last(m, 'corr'))],
      ],
    };
  const rows: string[][] = [
    [`iterations${sofar}`, formatValue(s?.iterations ?? last(m, 'iter') ?? 0)],
    [
      `final test accuracy${s ? '' : ' (last evaluation)'}`,
      pct(s?.finalTestAccuracy ?? last(m, 'testAccuracy')),
    ],
    [`best test accuracy${sofar}`, pct(s?.bestTestAccuracy ?? (accs.length ? Math.max(...accs) : undefined))],
    [`final test loss${s ? '' : ' (last evaluation)'}`, num(s?.finalTestLoss ?? last(m, 'testLoss'))],
    [`mean training loss${sofar}`, num(s?.meanTrainLoss ?? (m.length ? mean(values(m, 'loss')) : undefined))],
  ];
  if (typeof s?.meanCorr === 'number' || corrs.length)
    rows.push([`mean gradient correlation ρ${sofar}`, pct(s?.meanCorr ?? mean(corrs))]);
  const sgdVsSgd = values(m, 'sgdVsSgdCorr');
  if (typeof s?.meanSgdVsSgdCorr === 'number' || sgdVsSgd.length)
    rows.push([`mean SGD-vs-SGD ρ at θ_t${sofar}`, pct(s?.meanSgdVsSgdCorr ?? mean(sgdVsSgd))]);
  rows.push([`seconds${sofar}`, num(s?.seconds ?? last(m, 'seconds'), 1)]);
  return { title: 'Results', header: ['what', 'value'], rows };
}

/** A control-task run (`esgrad train --task`): episode returns, no test set, records keyed by `iteration`. */
export const isControl = (run: LoadedRunDir): boolean =>
  typeof run.config?.task === 'string' || typeof run.summary?.task === 'string';

/** A control run's results: evaluation returns, iterations, timesteps, time. */
export function controlResultsTable(run: LoadedRunDir): Table {
  const s = run.summary,
    m = run.metrics,
    sofar = s ? '' : ' (so far)';
  const evals = m.filter((r) => typeof r.evalReturn === 'number');
  const best = evals.reduce<Metrics | undefined>(
    (b, r) => (b === undefined || Number(r.evalReturn) > Number(b.evalReturn) ? r : b),
    undefined,
  );
  const ret = (x: unknown): string => (typeof x === 'number' ? x.toFixed(1) : 'n/a');
  return {
    title: 'Results',
    header: ['what', 'value'],
    rows: [
      [`iterations${sofar}`, formatValue(s?.iterations ?? last(m, 'iteration') ?? 0)],
      [
        `final evaluation return${s ? '' : ' (last evaluation)'}`,
        ret(s?.finalEvalReturn ?? last(m, 'evalReturn')),
      ],
      [
        `best evaluation return${sofar}`,
        `${ret(s?.bestEvalReturn ?? best?.evalReturn)} (iteration ${formatValue(s?.bestEvalIteration ?? best?.iteration)})`,
      ],
      [`timesteps${sofar}`, formatValue(s?.timesteps ?? last(m, 'timesteps'))],
      [
        `timesteps per second${sofar}`,
        formatValue(Math.round(Number(s?.timestepsPerSecond ?? last(m, 'timestepsPerSecond')))),
      ],
      [`seconds${sofar}`, num(s?.seconds ?? last(m, 'seconds'), 1)],
    ],
  };
}

/** A control run's figures: the noiseless evaluation return and the offspring's mean return per iteration. */
export function controlFigures(run: LoadedRunDir): ReturnType<typeof runFigures> {
  const task = formatValue(setting(run, 'task'));
  const evals = band('evaluation return (θ, no noise)', [run], 'evalReturn', 1, 'iteration');
  const offspring = thin(band('offspring mean return', [run], 'rewardMean', 1, 'iteration'), 600);
  if (evals.length + offspring.length === 0) return [];
  const episodes = setting(run, 'evalEpisodes');
  return [
    {
      name: 'return',
      caption: `Mean return of θ without noise over ${formatValue(episodes)} fixed episodes at every evaluation, and the offspring's mean return at every iteration (${task}).`,
      spec: bandChart({
        title: `Return (ES on ${task})`,
        rows: [...evals, ...offspring],
        xTitle: 'iteration',
        yTitle: 'episode return',
      }),
    },
  ];
}

/** The report's status line: finished, or unfinished with how far the records go. */
export function statusLine(run: LoadedRunDir): string {
  if (run.summary) return 'finished (summary.json)';
  const n = run.metrics.length,
    at = last(run.metrics, 'iter') ?? last(run.metrics, 'iteration');
  return `**unfinished**: no summary.json, so the run is still in progress or was interrupted; this report shows the ${n} record${n === 1 ? '' : 's'} of metrics.jsonl${typeof at === 'number' ? ` (up to iteration ${at})` : ''}`;
}

export interface WrittenRunReport {
  readonly path: string;
  readonly figures: string[];
  /** One-line facts for the terminal: [what, value]. */
  readonly key: ReadonlyArray<readonly [string, string]>;
}

/** Writes RUN_DIR/report.md and RUN_DIR/figures/*.{svg,png}; returns what it wrote. */
export async function writeRunReport(dir: string): Promise<WrittenRunReport> {
  const run = loadRunDir(dir),
    control = isControl(run),
    id = runIdentity(run),
    results = control ? controlResultsTable(run) : resultsTable(run);
  const search = isSearch(run);
  if (control) {
    const params = setting(run, 'parameters');
    Object.assign(id, {
      label: 'ES',
      model: `${formatValue(setting(run, 'task'))} policy${typeof params === 'number' ? ` (${params.toLocaleString('en-US')} parameters)` : ''}`,
      dataset: 'episodes',
    });
  }
  const parts = [
    `# ${search ? 'Population search' : 'Training run'}: ${id.label} on ${id.model}, seed ${id.seed}`,
    '',
    `- status: ${statusLine(run)}`,
    `- algorithm: ${id.label}; model: ${id.model}; data: ${id.dataset}; seed: ${id.seed}`,
    `- directory: ${dir}`,
  ];
  if (!run.config) parts.push('- no config.json: the settings are unknown');
  const drawn = await writeFigures(dir, control ? controlFigures(run) : runFigures(run));
  parts.push('', markdownTable(results));
  if (run.metrics.length === 0) parts.push('', 'No metrics recorded yet: no figures.');
  parts.push(...drawn.markdown);
  if (run.config) parts.push('', markdownTable(settingsTable(run)));
  const path = join(dir, 'report.md');
  writeFileSync(path, `${parts.join('\n')}\n`);
  return {
    path,
    figures: drawn.files,
    key: [
      ['status', run.summary ? 'finished' : 'unfinished'],
      ...results.rows.slice(0, 2).map(([a, b]) => [a!, b!] as const),
    ],
  };
}
