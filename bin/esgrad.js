#!/usr/bin/env node
// The esgrad command: the built CLI (dist/, plain JavaScript). In a checkout of esgrad, where src/ sits
// beside bin/ (the package ships no src/), it runs the TypeScript sources through tsx, so edits need no build.
import { existsSync } from 'node:fs';

const SOURCES = new URL('../src/cli/main.ts', import.meta.url);

let cli;
if (existsSync(SOURCES)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(SOURCES.href);
} else {
  cli = await import('../dist/cli/main.js');
}
process.exitCode = await cli.main(process.argv);
