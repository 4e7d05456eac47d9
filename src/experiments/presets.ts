// The registry of the paper's experiments as presets (`esgrad experiment NAME`), in the paper's order,
// and a listing with each preset's scales: what each shrinks and its default seeds.
import { UsageError } from '../types.ts';
import { fig1, fig2, fig3, fig4, fig5 } from './presets-es.ts';
import { populationSearch, sgdVsSgd, table1, timing } from './presets-other.ts';
import { type Preset, SCALES } from './types.ts';

export const PRESETS: readonly Preset[] = [
  sgdVsSgd,
  fig1,
  fig2,
  table1,
  populationSearch,
  fig3,
  timing,
  fig4,
  fig5,
];

export function listPresets(): string[] {
  return PRESETS.map((p) => p.name);
}

export function getPreset(name: string): Preset {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) throw new UsageError(`unknown experiment '${name}': allowed are ${listPresets().join(', ')}`);
  return p;
}

/** The text of `esgrad experiment --list`. */
export function describePresets(): string {
  return PRESETS.map((p) =>
    [
      `${p.name}: ${p.title}`,
      `  paper: ${p.paper}`,
      ...SCALES.map(
        (s) =>
          `  ${s.padEnd(5)} (${p.scales[s].seeds} seed${p.scales[s].seeds > 1 ? 's' : ''}): ${p.scales[s].doc}`,
      ),
    ].join('\n'),
  ).join('\n\n');
}
