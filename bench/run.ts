// Runs the benchmark without the CLI: node --import tsx bench/run.ts [--quick] [--json]
// (`esgrad bench` calls the same runBench).
import { runBench } from './index.ts';

await runBench({ quick: process.argv.includes('--quick'), json: process.argv.includes('--json') });
