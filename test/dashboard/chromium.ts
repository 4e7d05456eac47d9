// Debian's chromium driven headless by playwright-core, as the dashboard's browser test and bench use
// it: a fresh profile (playwright-core makes a new --user-data-dir for each launch and removes it),
// no background networking (the closed network makes it slow otherwise).
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** A launched headless chromium; fails with what to install when Debian's chromium is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the dashboard's browser test needs Debian's chromium (apt-get install -y chromium; npm test installs it through scripts/system-deps.sh when run as root)`,
    );
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
