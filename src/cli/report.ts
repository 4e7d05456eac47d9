// `esgrad report DIR...`: report.md with figures (SVG, PNG) for an experiment directory (tables beside
// the paper's numbers, Wilcoxon tests), each experiment of a directory of them, or one run's directory.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { isRunDir } from '../experiments/run-dir.ts';
import { UsageError } from '../types.ts';

type Target = { readonly kind: 'experiment' | 'run'; readonly dir: string };

/** DIR itself when it is an experiment or a run, else its subdirectories that are experiments. */
export function reportTargets(dir: string): Target[] {
  if (!existsSync(dir)) throw new UsageError(`${dir}: no such directory`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${dir}: not a directory`);
  if (existsSync(join(dir, 'manifest.json'))) return [{ kind: 'experiment', dir }];
  if (isRunDir(dir)) return [{ kind: 'run', dir }];
  const subs = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'manifest.json')))
    .map((d): Target => ({ kind: 'experiment', dir: join(dir, d.name) }));
  if (subs.length === 0)
    throw new UsageError(
      `${dir}: neither an experiment (no manifest.json here or in its subdirectories, made by \`esgrad experiment\`) nor a run (no config.json, metrics.jsonl or summary.json, made by \`esgrad train\`)`,
    );
  return subs.sort((a, b) => a.dir.localeCompare(b.dir));
}

export function reportCommand(): Command {
  return new Command('report')
    .description(
      'write report.md with figures (SVG and PNG): for experiments, tables beside the paper and tests; for a run directory, its settings, results and curves',
    )
    .argument('<dirs...>', 'experiment directories (or directories holding several), or run directories')
    .action(async (dirs: string[]) => {
      const { writeReport } = await import('../experiments/report.ts'); // loaded when used: a fast --help
      const { writeRunReport } = await import('../experiments/run-report.ts');
      for (const t of dirs.flatMap(reportTargets)) {
        if (t.kind === 'run') {
          const w = await writeRunReport(t.dir);
          console.log(w.path);
          for (const [what, value] of w.key) console.log(`  ${what}: ${value}`);
          continue;
        }
        const w = await writeReport(t.dir);
        console.log(w.path);
        for (const [what, ours, paper] of w.section.key) console.log(`  ${what}: ${ours} (paper: ${paper})`);
      }
    });
}
