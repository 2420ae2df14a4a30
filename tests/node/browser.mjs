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

/** A page of `url` in a fresh context of `browser` (a launched Chromium): an `evaluate`, the
 * page errors seen so far, and a `close`. */
export async function openPage(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(url);
  return { evaluate: (expression) => page.evaluate(expression), problems, close: () => context.close() };
}
