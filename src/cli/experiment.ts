// `esgrad experiment NAME --scale smoke|small|paper --seeds K --out DIR`: one of the paper's experiments
// over seeds (continuing an interrupted one), then its report; `--list` shows the presets and scales.

import { join } from 'node:path';
import { Command } from 'commander';
import { SCALES, type Scale } from '../experiments/types.ts';
import { UsageError } from '../types.ts';
import { parseNumber } from './options.ts';
import { stopOnSignals } from './signals.ts';

interface ExperimentFlags {
  list?: boolean;
  scale: string;
  seeds?: number;
  out?: string;
  dataDir?: string;
  jobs?: number;
  evaluator?: string;
  workers?: number;
  report: boolean;
  quiet?: boolean;
}

export function experimentCommand(): Command {
  return new Command('experiment')
    .description(
      "run one of the paper's experiments (figures 1-5, table 1, population search, timing, sgd-vs-sgd) over seeds, then write its report",
    )
    .argument('[name]', 'the preset (see --list)')
    .option('--list', 'list the presets, what each scale shrinks and the default seeds')
    .option(
      '--scale <scale>',
      "smoke (seconds) | small (under an hour on 2 cores) | paper (the paper's sizes)",
      'small',
    )
    .option('--seeds <k>', "seeds 0..k-1 (default: the preset's for the scale)", parseNumber)
    .option('--out <dir>', 'experiment directory (default experiments/<name>-<scale>)')
    .option(
      '--data-dir <dir>',
      'directory with the IDX files (else $ESGRAD_DATA_DIR, else the download cache)',
    )
    .option('--jobs <n>', 'runs at once, sharing the cores (default 1)', parseNumber)
    .option('--evaluator <name>', 'ES offspring evaluator for every run: threads | local')
    .option('--workers <n>', 'worker threads of the threads evaluator (default all cores)', parseNumber)
    .option('--no-report', 'do not write report.md and the figures at the end')
    .option('--quiet', 'no progress bars')
    .action(async (name: string | undefined, f: ExperimentFlags) => {
      // loaded when used: a fast --help
      const { describePresets, getPreset } = await import('../experiments/presets.ts');
      const { writeReport } = await import('../experiments/report.ts');
      const { runExperiment } = await import('../experiments/runner.ts');
      if (f.list) {
        console.log(describePresets());
        return;
      }
      if (name === undefined)
        throw new UsageError('experiment: name a preset (esgrad experiment --list shows them)');
      const preset = getPreset(name);
      if (!(SCALES as readonly string[]).includes(f.scale))
        throw new UsageError(`--scale ${f.scale}: allowed are ${SCALES.join(', ')}`);
      const scale = f.scale as Scale;
      const out = f.out ?? join('experiments', `${preset.name}-${scale}`);
      const overrides = {
        ...(f.evaluator === undefined ? {} : { evaluator: f.evaluator }),
        ...(f.workers === undefined ? {} : { workers: f.workers }),
      };
      const log = (m: string): void => console.error(m);
      const stop = stopOnSignals(log, 'stopping the runs under way after their iteration, with checkpoints');
      let r: Awaited<ReturnType<typeof runExperiment>>;
      try {
        r = await runExperiment(preset.name, {
          scale,
          out,
          overrides,
          quiet: Boolean(f.quiet),
          log,
          signal: stop.signal,
          ...(f.seeds === undefined ? {} : { seeds: f.seeds }),
          ...(f.dataDir === undefined ? {} : { dataDir: f.dataDir }),
          ...(f.jobs === undefined ? {} : { jobs: f.jobs }),
        });
      } finally {
        stop.dispose();
      }
      if (r.interrupted) {
        console.log(
          `${preset.name} (${scale}): stopped with ${r.ran.length + r.skipped.length} runs finished; continue with the same command (--out ${out})`,
        );
        process.exitCode = stop.exitCode();
        return;
      }
      console.log(
        `${preset.name} (${scale}): ${r.ran.length} runs done, ${r.skipped.length} were already finished; results in ${out}`,
      );
      if (!f.report) return;
      const w = await writeReport(out);
      console.log(`report: ${w.path}`);
      for (const [what, ours, paper] of w.section.key) console.log(`  ${what}: ${ours} (paper: ${paper})`);
    });
}
