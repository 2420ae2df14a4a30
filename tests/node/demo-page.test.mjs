// The demo page, served by duplex-server as `npm start` runs it (with --test-hooks), in
// headless Chromium: the conversation, typing, the relay chat across two pages, a dropped
// connection that comes back and delivers what was queued, a session's stream across dropped
// connections, and screenshots at two widths.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from './browser.mjs';
import { root, startServer } from './server.mjs';

const shots = path.join(root, 'target/screenshots');
let server;
let browser;

before(async () => {
  server = await startServer({ args: ['--test-hooks'] });
  browser = await launchChromium();
  mkdirSync(shots, { recursive: true });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A new page on the demo, failing the test on any script error or failed request; what the
 * console said as errors is kept apart (a dropped connection is rightly one). */
async function openDemo(width = 1280) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const problems = [];
  const consoleErrors = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(server.origin + '/');
  return { page, problems, consoleErrors };
}

const line = (page, kind, text) =>
  page.locator(`#log li[data-kind="${kind}"]`).filter({ has: page.locator('.text', { hasText: text }) });

test('the conversation runs on load, with round-trip times, and nothing in the console', async () => {
  const { page, problems, consoleErrors } = await openDemo();
  await line(page, 'received', 'Hello webSocket').waitFor({ timeout: 10_000 });
  const reply = line(page, 'received', 'I heard you say "I am listening"');
  await reply.waitFor({ timeout: 10_000 });
  assert.match(await reply.locator('.rtt').textContent(), /\(\d+\.\d ms round trip\)/);
  assert.equal(await line(page, 'sent', 'I am listening').count(), 1);
  assert.equal(await page.locator('#state').textContent(), 'open');
  assert.deepEqual(problems, []);
  assert.deepEqual(consoleErrors, []);
});

test('the room field takes letters, digits, - and _ only', async () => {
  const { page } = await openDemo();
  const room = page.getByLabel('Room');
  for (const [name, valid] of [['lobby-2_b', true], ['bad room!', false], ['x'.repeat(65), false]]) {
    await room.fill(name);
    assert.equal(await room.evaluate((input) => input.checkValidity()), valid, name);
  }
});

test('a typed message is answered, and a binary one comes back as the same hex', async () => {
  const { page } = await openDemo();
  await line(page, 'received', 'Hello webSocket').waitFor({ timeout: 10_000 });
  await page.getByLabel('Message', { exact: true }).fill('typed by a person');
  await page.getByLabel('Message', { exact: true }).press('Enter');
  await line(page, 'received', 'I heard you say "typed by a person"').waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Send binary' }).click();
  const sent = await page.locator('#log li[data-kind="sent"] .text', { hasText: 'binary' }).textContent();
  await line(page, 'received', sent).waitFor({ timeout: 10_000 });
});

test('an invalid close code shows the error and the socket stays open', async () => {
  const { page } = await openDemo();
  await line(page, 'received', 'Hello webSocket').waitFor({ timeout: 10_000 });
  await page.getByLabel('Close code').fill('1001');
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  const error = page.getByRole('alert');
  await error.waitFor({ timeout: 10_000 });
  assert.match(await error.textContent(), /^INVALID_CLOSE_CODE: .*1001/);
  assert.equal(await page.locator('#state').textContent(), 'open');
});

test('a dropped connection reconnects and delivers what was queued meanwhile', async () => {
  const { page } = await openDemo();
  await line(page, 'received', 'Hello webSocket').waitFor({ timeout: 10_000 });
  // The moment the page shows "reconnecting", a person types and sends: watched in the page,
  // so the (jittered, possibly tiny) reconnect delay cannot slip past the test.
  await page.evaluate(() => {
    const state = document.getElementById('state');
    window.sentWhileReconnecting = new Promise((resolve) => {
      new MutationObserver((_, observer) => {
        if (!state.textContent.startsWith('reconnecting')) return;
        observer.disconnect();
        document.getElementById('message').value = 'sent while disconnected';
        document.getElementById('send-form').requestSubmit();
        resolve({ state: state.textContent, queued: document.getElementById('queued').textContent });
      }).observe(state, { childList: true, characterData: true, subtree: true });
    });
  });
  await page.getByRole('button', { name: /Drop the connection/ }).click();
  const seen = await page.evaluate(() => window.sentWhileReconnecting);
  assert.match(seen.state, /^reconnecting \(attempt 1, in \d+ ms\)$/);
  assert.equal(seen.queued, `${'sent while disconnected'.length} bytes`);
  await page.locator('#log li[data-kind="reconnecting"]').waitFor({ timeout: 10_000 });
  await line(page, 'received', 'I heard you say "sent while disconnected"').waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('#state').textContent(), 'open');
  // What ended the connection is in the log; once open again, the alert is gone.
  assert.equal(await line(page, 'error', 'CONNECTION_LOST').count(), 1);
  assert.equal(await page.getByRole('alert').count(), 0);
  assert.equal(await page.locator('#queued').textContent(), '0 bytes');
});

/** The figure a session counter of the page shows. */
const counter = (page, name) => page.locator(`#count-${name}`).textContent().then(Number);

/** Waits until the page received `more` stream echoes beyond what it shows now. */
async function receiveMore(page, more) {
  const target = await counter(page, 'received') + more;
  await page.waitForFunction((n) => Number(document.getElementById('count-received').textContent) >= n,
    target, { timeout: 20_000 });
}

test('with a session, a stream both ways survives dropped connections: every echo once, in order', {
  timeout: 90_000, // a bail-out for a stream that stalls, not a measure of speed
}, async () => {
  const { page, problems } = await openDemo();
  await line(page, 'received', 'Hello webSocket').waitFor({ timeout: 10_000 });
  await page.getByLabel('Session').check();
  await page.locator('#session-id', { hasText: 'resumed 0 times' }).waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Start streaming' }).click();
  for (const drop of [1, 2, 3]) {
    // Mid-stream: echoes arrived since the last resume, and more are in flight both ways.
    await receiveMore(page, 200);
    await page.getByRole('button', { name: /Drop the connection/ }).click();
    await page.locator('#session-id', { hasText: `resumed ${drop} times` }).waitFor({ timeout: 20_000 });
  }
  await receiveMore(page, 200);
  await page.getByRole('button', { name: 'Stop streaming' }).click();
  // The counters are drawn once per frame: before the next two frames, the page may still show
  // the figures from before the last burst (all equal), and the wait below would end at once.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  // Every echo is in once all that was sent is acknowledged and echoed; a lost one never comes.
  await page.waitForFunction(() => {
    const figure = (name) => document.getElementById(`count-${name}`).textContent;
    return figure('received') === figure('sent') && figure('acked') === figure('sent');
  }, null, { timeout: 20_000 }).catch(() => {});
  const check = await page.locator('#stream-check').textContent();
  const sent = await counter(page, 'sent');
  assert.equal(check, `Nothing missing: all ${sent} messages echoed once, in order.`);
  assert.equal(await counter(page, 'acked'), sent);
  assert.equal(await counter(page, 'received'), sent);
  // Each drop came between two messages of a burst of 5: the 4 after it were in flight, never
  // read on that connection, and had to be resent.
  assert.ok(await counter(page, 'resent') >= 3 * 4, `resent: ${await counter(page, 'resent')}`);
  assert.equal(await page.locator('#log li[data-kind="resumed"]', { hasText: 'the session went on' }).count(), 3);
  assert.equal(await page.locator('#unacked').textContent(), '0 bytes');
  assert.equal(await page.getByRole('alert').count(), 0); // resumed: what was lost is in the log
  assert.deepEqual(problems, []);
});

test('two pages in one room hear each other through the relay, and the screenshots', async () => {
  const room = `room-${Date.now()}`;
  const a = await openDemo(1280);
  const b = await openDemo(390);
  for (const { page } of [a, b]) {
    await page.getByLabel('Room').fill(room);
    await page.getByRole('button', { name: 'Join' }).click();
  }
  for (const { page } of [a, b]) {
    await page.waitForFunction(() => document.getElementById('peers').textContent.startsWith('2'),
      null, { timeout: 10_000 });
  }
  await b.page.getByLabel('Say').fill('hello from the other tab');
  await b.page.getByRole('button', { name: 'Send to the room' }).click();
  await a.page.locator('#chat-log li', { hasText: 'hello from the other tab' }).waitFor({ timeout: 10_000 });
  assert.equal(await b.page.locator('#chat-log li[data-kind^="peer"]').count(), 0, 'no echo to the sender');
  await line(a.page, 'received', 'I heard you say "I am listening"').waitFor({ timeout: 10_000 });
  await line(b.page, 'received', 'I heard you say "I am listening"').waitFor({ timeout: 10_000 });
  await a.page.screenshot({ path: path.join(shots, 'demo-1280.png'), fullPage: true });
  await b.page.screenshot({ path: path.join(shots, 'demo-390.png'), fullPage: true });
  assert.deepEqual([...a.problems, ...b.problems], []);
});
