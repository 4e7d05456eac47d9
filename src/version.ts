// esgrad's version, read once from package.json: the one source for `esgrad --version`, the
// experiment manifest and the version check between a Redis master and its workers.
import { readFileSync } from 'node:fs';

/** The version field of esgrad's package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
