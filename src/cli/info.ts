// `esgrad info`: a network's parameter count and the layout of θ (name, shape, offset, size), as a
// table or JSON; --model takes a built-in name or a .json layer spec; without it, every built-in's.
import { Command } from 'commander';
import { listArchitectures, lossKind, paramLayout } from '../model/architecture.ts';
import { loadArchitecture } from '../model/spec.ts';

export function infoCommand(): Command {
  return new Command('info')
    .description('parameter count and layout of a network')
    .option(
      '--model <name|file.json>',
      `one of ${listArchitectures().join(', ')}, or a .json layer spec (default: every built-in)`,
    )
    .option('--json', 'print JSON')
    .action((opts: { model?: string; json?: boolean }) => {
      const names = opts.model === undefined ? listArchitectures() : [opts.model];
      const infos = names.map((name) => {
        const arch = loadArchitecture(name);
        const layout = paramLayout(arch);
        return {
          model: arch.name,
          input: [...arch.inputCHW],
          loss: lossKind(arch),
          params: layout.size,
          layout: layout.slices,
        };
      });
      if (opts.json) {
        console.log(JSON.stringify(opts.model === undefined ? infos : infos[0], null, 2));
        return;
      }
      for (const info of infos) {
        console.log(
          `${info.model}: ${info.params.toLocaleString('en-US')} parameters (input ${info.input.join('×')}, ${info.loss})`,
        );
        for (const s of info.layout) {
          console.log(
            `  ${s.name.padEnd(14)} ${JSON.stringify(s.shape).padEnd(18)} offset ${String(s.offset).padStart(9)}  size ${String(s.size).padStart(9)}`,
          );
        }
      }
    });
}
