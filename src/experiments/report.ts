// `esgrad report DIR`: the preset's figures (SVG and PNG) and tables with the paper's numbers beside
// ours, the statistical tests, and the manifest's provenance, written as DIR/report.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration, readComputeSeconds } from './compute-time.ts';
import { loadExperiment } from './load.ts';
import { getPreset } from './presets.ts';
import { renderSvg, svgToPng } from './render.ts';
import type { LoadedExperiment, ReportSection, Table } from './types.ts';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(t: Table): string {
  const lines = [
    `**${t.title}**`,
    '',
    `| ${t.header.map(cell).join(' | ')} |`,
    `|${t.header.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
  if (t.caption) lines.push('', `*${t.caption}*`);
  return lines.join('\n');
}

function header(exp: LoadedExperiment, doc: string, paper: string): string {
  const m = exp.manifest,
    finished = exp.runs.filter((r) => r.summary).length;
  return [
    `# ${m.title}`,
    '',
    `- experiment: \`${m.experiment}\` at scale **${m.scale}** (${doc})`,
    `- seeds: ${m.seeds}; runs finished: ${finished} of ${m.runs.length}${finished < m.runs.length ? ' (rerun the same command to finish)' : ''}`,
    `- data: ${m.dataset}`,
    `- the paper: ${paper}`,
    `- esgrad ${m.packageVersion}, commit ${m.gitCommit}; machine: ${m.machine.cpus} × ${m.machine.cpuModel}, ${m.machine.memoryGiB} GiB, ${m.machine.platform}, Node ${m.machine.node}; started ${m.createdAt}`,
  ].join('\n');
}

/**
 * DIR/figures/NAME.svg and .png of each figure; returns the files and the report's markdown lines
 * (the PNG, its caption and a link to the SVG). Experiments and single runs draw through this.
 */
export async function writeFigures(
  dir: string,
  figures: ReportSection['figures'],
): Promise<{ files: string[]; markdown: string[] }> {
  mkdirSync(join(dir, 'figures'), { recursive: true });
  const files: string[] = [],
    markdown: string[] = [];
  for (const f of figures) {
    const svg = await renderSvg(f.spec);
    writeFileSync(join(dir, 'figures', `${f.name}.svg`), svg);
    writeFileSync(join(dir, 'figures', `${f.name}.png`), svgToPng(svg));
    files.push(join(dir, 'figures', `${f.name}.png`), join(dir, 'figures', `${f.name}.svg`));
    markdown.push(
      '',
      `![${f.caption}](figures/${f.name}.png)`,
      '',
      `*${f.caption}* ([SVG](figures/${f.name}.svg))`,
    );
  }
  return { files, markdown };
}

/** Wall-clock time per run as the runner recorded it (compute.json); undefined when none was. */
function computeTable(exp: LoadedExperiment): Table | undefined {
  const seconds = readComputeSeconds(exp.dir);
  const timed = exp.runs.filter((r) => seconds[r.spec.id] !== undefined);
  if (timed.length === 0) return undefined;
  const total = timed.reduce((sum, r) => sum + seconds[r.spec.id]!, 0);
  const untimed = exp.runs.length - timed.length;
  return {
    title: 'Compute',
    header: ['run', 'wall-clock'],
    rows: [
      ...timed.map((r) => [r.spec.id, formatDuration(seconds[r.spec.id]!)]),
      ['all', formatDuration(total)],
    ],
    caption: `Summed over the sittings that ran each run, on the machine above${untimed > 0 ? `; ${untimed} run(s) ran before times were recorded` : ''}.`,
  };
}

export interface WrittenReport {
  readonly path: string;
  readonly section: ReportSection;
  readonly figures: string[];
}

/** Writes DIR/report.md and DIR/figures/*.{svg,png}; returns what it wrote. */
export async function writeReport(dir: string): Promise<WrittenReport> {
  const exp = loadExperiment(dir);
  const preset = getPreset(exp.manifest.experiment);
  const section = preset.report(exp);
  const parts = [header(exp, preset.scales[exp.manifest.scale].doc, preset.paper)];
  parts.push(
    '',
    '## Key numbers',
    '',
    markdownTable({
      title: 'Ours beside the paper',
      header: ['what', `ours (${exp.manifest.scale})`, 'paper'],
      rows: section.key.map((k) => [...k]),
    }),
  );
  const drawn = await writeFigures(dir, section.figures);
  parts.push(...drawn.markdown);
  for (const t of section.tables) parts.push('', markdownTable(t));
  if (section.notes.length) parts.push('', ...section.notes.map((n) => `- ${n}`));
  const compute = computeTable(exp);
  if (compute) parts.push('', markdownTable(compute));
  const path = join(dir, 'report.md');
  writeFileSync(path, `${parts.join('\n')}\n`);
  return { path, section, figures: drawn.files };
}
