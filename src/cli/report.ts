// `esgrad report DIR...`: report.md with figures (SVG, PNG), tables beside the paper's numbers and
// Wilcoxon tests for experiment directories; a directory of experiments reports each one.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { writeReport } from '../experiments/report.ts';
import { UsageError } from '../types.ts';

/** DIR itself when it has a manifest, else its subdirectories that have one. */
function experimentDirs(dir: string): string[] {
  if (existsSync(join(dir, 'manifest.json'))) return [dir];
  if (!existsSync(dir)) throw new UsageError(`${dir}: no such directory`);
  const subs = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'manifest.json')))
    .map((d) => join(dir, d.name));
  if (subs.length === 0)
    throw new UsageError(
      `${dir}: no manifest.json here or in its subdirectories (made by \`esgrad experiment\`)`,
    );
  return subs.sort();
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write report.md, figures (SVG and PNG), tables and tests for experiment directories')
    .argument('<dirs...>', 'experiment directories (or directories holding several)')
    .action(async (dirs: string[]) => {
      for (const dir of dirs.flatMap(experimentDirs)) {
        const w = await writeReport(dir);
        console.log(`${w.path}`);
        for (const [what, ours, paper] of w.section.key) console.log(`  ${what}: ${ours} (paper: ${paper})`);
      }
    });
}
