#!/usr/bin/env node
// The esgrad command: runs the TypeScript sources through tsx (no build step) and hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
