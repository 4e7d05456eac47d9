// `esgrad info`: a model's parameter count and the layout of θ (name, shape, offset, size), as a
// table or JSON; --model takes a built-in name, a .json layer spec or an .onnx file; without it, every built-in's.
import { Command } from 'commander';
import { listArchitectures } from '../model/architecture.ts';

export function infoCommand(): Command {
  return new Command('info')
    .description('parameter count and layout of a network')
    .option(
      '--model <name|file>',
      `one of ${listArchitectures().join(', ')}, a .json layer spec or an .onnx model (default: every built-in)`,
    )
    .option('--json', 'print JSON')
    .action(async (opts: { model?: string; json?: boolean }) => {
      const { openModel } = await import('../backend/source.ts');
      const { modelSource } = await import('../run/model.ts');
      const names = opts.model === undefined ? listArchitectures() : [opts.model];
      const infos = [];
      for (const name of names) {
        const model = openModel(modelSource(name)); // sessions are made lazily: none here
        infos.push({
          model: model.name,
          input: [...model.inputCHW],
          loss: model.lossKind,
          params: model.size,
          layout: model.layout.slices,
        });
        await model.close();
      }
      if (opts.json) {
        console.log(JSON.stringify(opts.model === undefined ? infos : infos[0], null, 2));
        return;
      }
      for (const info of infos) {
        console.log(
          `${info.model}: ${info.params.toLocaleString('en-US')} parameters (input ${info.input.join('×')}, ${info.loss})`,
        );
        const width = Math.max(14, ...info.layout.map((s) => s.name.length));
        for (const s of info.layout) {
          console.log(
            `  ${s.name.padEnd(width)} ${JSON.stringify(s.shape).padEnd(18)} offset ${String(s.offset).padStart(9)}  size ${String(s.size).padStart(9)}`,
          );
        }
      }
    });
}
