// The demo page, served by duplex-server, holds the conversation in headless Chromium and
// shows it on the page.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from './browser.mjs';
import { startServer } from './server.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the page shows the greeting and the reply to the message sent before open', async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(server.origin + '/');
  const log = page.locator('#log');
  await log.getByText('Hello webSocket', { exact: true }).waitFor({ timeout: 10_000 });
  await log.getByText('I heard you say "I am listening"', { exact: true }).waitFor({ timeout: 10_000 });
  assert.deepEqual(await log.locator('li').allTextContents(), [
    'I am listening',
    'Hello webSocket',
    'I heard you say "I am listening"',
  ]);
  assert.equal(await page.locator('#state').textContent(), 'open');
  assert.deepEqual(problems, []);
});

test('a message typed into the page is answered on the page', async () => {
  const page = await browser.newPage();
  await page.goto(server.origin + '/');
  await page.locator('#log').getByText('Hello webSocket').waitFor({ timeout: 10_000 });
  await page.getByLabel('Message').fill('typed by a person');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#log').getByText('I heard you say "typed by a person"', { exact: true })
    .waitFor({ timeout: 10_000 });
  assert.equal(await page.getByLabel('Message').inputValue(), '');
});
