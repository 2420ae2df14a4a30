// Launches Debian's headless Chromium through playwright-core (its own browser download does
// not work on these machines; see TOOLCHAIN.md). Playwright gives every launch a fresh, empty
// profile of its own.
import { chromium } from 'playwright-core';

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
