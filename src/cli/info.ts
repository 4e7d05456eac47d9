// `esgrad info`: a network's parameter count and the layout of θ (name, shape, offset, size), as a
// table or JSON; without --model, every network's count.
import { Command } from 'commander';
import { getArchitecture, listArchitectures, paramLayout } from '../model/architecture.ts';

export function infoCommand(): Command {
  return new Command('info')
    .description('parameter count and layout of a network')
    .option('--model <name>', `one of ${listArchitectures().join(', ')} (default: all)`)
    .option('--json', 'print JSON')
    .action((opts: { model?: string; json?: boolean }) => {
      const names = opts.model === undefined ? listArchitectures() : [opts.model];
      const infos = names.map((name) => {
        const layout = paramLayout(getArchitecture(name));
        return { model: name, params: layout.size, layout: layout.slices };
      });
      if (opts.json) {
        console.log(JSON.stringify(opts.model === undefined ? infos : infos[0], null, 2));
        return;
      }
      for (const info of infos) {
        console.log(`${info.model}: ${info.params.toLocaleString('en-US')} parameters`);
        for (const s of info.layout) {
          console.log(
            `  ${s.name.padEnd(14)} ${JSON.stringify(s.shape).padEnd(18)} offset ${String(s.offset).padStart(9)}  size ${String(s.size).padStart(9)}`,
          );
        }
      }
    });
}
