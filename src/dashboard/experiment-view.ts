// An experiment as the page shows it: the preset's own report section (`esgrad report`'s Vega-Lite
// figures, the key numbers beside the paper's, tables, notes), computed from the files as they are now.
import { loadExperiment } from '../experiments/load.ts';
import { getPreset } from '../experiments/presets.ts';
import type { ReportSection, Table } from '../experiments/types.ts';

export interface ExperimentView {
  readonly title: string;
  readonly experiment: string;
  readonly scale: string;
  readonly paper: string;
  readonly runsFinished: number;
  readonly runsTotal: number;
  readonly figures: ReportSection['figures'];
  readonly key: ReportSection['key'];
  readonly tables: readonly Table[];
  readonly notes: readonly string[];
}

/** The experiment in `dir`, or the one line saying why it cannot be shown (yet). */
export function experimentView(dir: string): ExperimentView | { error: string } {
  try {
    const exp = loadExperiment(dir);
    const preset = getPreset(exp.manifest.experiment);
    const section = preset.report(exp);
    return {
      title: exp.manifest.title,
      experiment: exp.manifest.experiment,
      scale: exp.manifest.scale,
      paper: preset.paper,
      runsFinished: exp.runs.filter((r) => r.summary).length,
      runsTotal: exp.runs.length,
      figures: section.figures,
      key: section.key,
      tables: section.tables,
      notes: section.notes,
    };
  } catch (e) {
    return { error: `${dir}: ${(e as Error).message}` };
  }
}
