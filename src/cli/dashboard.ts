// `esgrad dashboard [DIR...]`: a local web page of the runs and experiments under DIR (default runs/
// and experiments/) with their curves, live while runs train; serves until Ctrl-C.
import { Command } from 'commander';
import { UsageError } from '../types.ts';
import { parseNumber } from './options.ts';

export const DEFAULT_DIRS = ['runs', 'experiments'];

export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description(
      'serve a local web page of the runs and experiments under DIRs: status, settings, live curves, workers, experiment figures',
    )
    .argument('[dirs...]', `directories of runs or experiments (default ${DEFAULT_DIRS.join(' ')})`)
    .option('--port <n>', 'port to listen on (default: a free one)', parseNumber)
    .option(
      '--host <addr>',
      'address to bind; another than 127.0.0.1 exposes your runs to the network',
      '127.0.0.1',
    )
    .action(async (dirs: string[], opts: { port?: number; host: string }) => {
      const port = opts.port ?? 0;
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port ${opts.port}: an integer from 0 to 65535 is allowed`);
      const { startDashboard } = await import('../dashboard/server.ts'); // loaded when used: a fast --help
      let dashboard: Awaited<ReturnType<typeof startDashboard>>;
      try {
        dashboard = await startDashboard({ dirs: dirs.length ? dirs : DEFAULT_DIRS, host: opts.host, port });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'EADDRINUSE') throw new UsageError(`--port ${port}: already in use`);
        if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
          throw new UsageError(`--host ${opts.host}: not an address of this machine`);
        if (err.code === 'EACCES')
          throw new UsageError(`--port ${port}: not allowed (ports below 1024 need root)`);
        throw e;
      }
      console.log(`esgrad dashboard: ${dashboard.url} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void dashboard.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
