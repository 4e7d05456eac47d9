// The figures' legends, laid out as rendered: in every preset's figures no legend covers a data area
// (figure 4's used to sit on the curves), and the population search's sampling-theory curve is in the legend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadExperiment } from '../../src/experiments/load.ts';
import { bandChart } from '../../src/experiments/plots.ts';
import { getPreset, PRESETS } from '../../src/experiments/presets.ts';
import { renderSvg } from '../../src/experiments/render.ts';
import { fakeExperiment } from './fake-experiment.ts';
import { figureLayout, overlaps } from './figure-layout.ts';

const figuresOf = (name: string) => getPreset(name).report(loadExperiment(fakeExperiment(name, 3))).figures;

describe('figure legends', () => {
  it("fig4: the legend lists the three series and lies outside the plot's data area", async () => {
    const [fig] = figuresOf('fig4');
    const layout = await figureLayout(fig!.spec);
    assert.deepEqual(layout.legendLabels, ['ES (mini-batch)', 'ES (no mini-batch)', 'SGD']);
    assert.equal(layout.plots.length, 1);
    assert.equal(layout.legends.length, 1);
    const [plot] = layout.plots,
      [legend] = layout.legends;
    assert.ok(
      !overlaps(legend!, plot!),
      `legend ${JSON.stringify(legend)} over data ${JSON.stringify(plot)}`,
    );
    assert.ok(legend!.y1 >= plot!.y2, 'under the plot');
  });

  it("no legend of any preset's figure covers a data area (main plots and insets)", async () => {
    for (const p of PRESETS)
      for (const f of figuresOf(p.name)) {
        const layout = await figureLayout(f.spec);
        assert.ok(layout.plots.length >= 1 && layout.legends.length >= 1, `${f.name}: a plot and a legend`);
        for (const legend of layout.legends)
          for (const plot of layout.plots)
            assert.ok(
              !overlaps(legend, plot),
              `${f.name}: legend ${JSON.stringify(legend)} over data ${JSON.stringify(plot)}`,
            );
      }
  });

  it('a figure with insets keeps its legend clear of the main plot and of the insets', async () => {
    const [fig] = figuresOf('fig2');
    const layout = await figureLayout(fig!.spec);
    assert.equal(layout.plots.length, 3, 'main plot and two insets');
    for (const plot of layout.plots) assert.ok(!overlaps(layout.legends[0]!, plot));
  });

  it('population search: the sampling-theory curve has a legend entry, grey and dashed like the curve', async () => {
    const [fig] = figuresOf('population-search');
    const layout = await figureLayout(fig!.spec);
    const i = layout.legendLabels.indexOf('sampling theory');
    assert.ok(i >= 0, `legend: ${layout.legendLabels.join(', ')}`);
    assert.ok(layout.legendLabels.includes('ES estimate (median)'));
    const theory = layout.legendSymbols[i]!,
      measured = layout.legendSymbols[layout.legendLabels.indexOf('ES estimate (median)')]!;
    assert.ok(theory.strokeDash && theory.strokeDash[0]! > 1 && theory.strokeDash[1]! > 0, 'dashed');
    assert.notEqual(theory.stroke, measured.stroke);
    // The SVG carries the entry too (what the report links).
    assert.match(await renderSvg(fig!.spec), /<text[^>]*>sampling theory<\/text>/);
  });

  it('an extra curve that is not a series gets its own entry; without one, nothing is dashed', async () => {
    const rows = ['A', 'B'].flatMap((group, j) =>
      [0, 1, 2].map((x) => ({ group, x, median: x + j, q25: x + j, q75: x + j, n: 1 })),
    );
    const lines = [0, 2].map((x) => ({ x, y: x / 2, label: 'theory' }));
    const withLine = await figureLayout(bandChart({ title: 't', rows, xTitle: 'x', yTitle: 'y', lines }));
    assert.deepEqual(withLine.legendLabels, ['A', 'B', 'theory']);
    const without = await figureLayout(bandChart({ title: 't', rows, xTitle: 'x', yTitle: 'y' }));
    assert.deepEqual(without.legendLabels, ['A', 'B']);
    assert.ok(without.legendSymbols.every((s) => !s.strokeDash || s.strokeDash[1] === 0));
  });
});
