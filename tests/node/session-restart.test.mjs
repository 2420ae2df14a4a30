// A session across a server restart, in Chromium and in Firefox against a real duplex-server:
// without Redis a server holds its sessions in memory, so the one started after a crash no
// longer knows the session. The client must say so (a `resumed` event with recovered: false
// and SESSION_LOST), begin a new session and go on, losing nothing it still held.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchChromium, openPage } from './browser.mjs';
import { launchFirefox } from './firefox.mjs';
import { root, startServer } from './server.mjs';

// tests/node/pages/session.html: a page that opens one session socket to /echo (window.probe).
const pages = path.join(root, 'tests/node/pages');
let chromium;

before(async () => { chromium = await launchChromium(); });
after(async () => { await chromium?.close(); });

/**
 * A page driven by JS expressions (strings, so both drivers take them; a promise is awaited):
 * `evaluate(expression)` and `until(expression)`, which polls until it is truthy.
 */
function driven(evaluate) {
  return {
    evaluate,
    async until(expression, ms = 20_000) {
      for (const deadline = Date.now() + ms; !(await evaluate(expression));) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

const browsers = {
  async chromium(url) {
    const page = await openPage(chromium, url);
    return { ...page, ...driven(page.evaluate) };
  },
  async firefox(url) {
    const firefox = await launchFirefox();
    await firefox.goto(url);
    return { ...driven((expression) => firefox.evaluate(`return ${expression}`)), problems: [], close: () => firefox.quit() };
  },
};

for (const [name, open] of Object.entries(browsers)) {
  test(`${name}: a server restart gives resumed { recovered: false } with SESSION_LOST, and the session goes on`, {
    timeout: 60_000, // a bail-out for a resume that never comes, not a measure of speed
  }, async () => {
    let server = await startServer({ www: pages });
    const page = await open(`${server.origin}/session.html`);
    try {
      await page.until('window.probe?.socket.session');
      // Acknowledged, so the server had all three: none of them may come back twice.
      const before = await page.evaluate(`(async () => {
        const { socket } = window.probe;
        socket.send('one');
        socket.send('two');
        await socket.sendAsync('three');
        return socket.session.id;
      })()`);
      await page.until('window.probe.received.length === 3');

      // A crash, not a graceful shutdown: the connection just ends, and so does the session.
      await server.stop('SIGKILL');
      await page.evaluate("window.probe.socket.send('while down')");
      server = await startServer({ www: pages, port: server.port });

      await page.until('window.probe.resumed.length > 0');
      await page.evaluate("window.probe.socket.sendAsync('after')");
      await page.until("window.probe.received.includes('after')");
      const seen = await page.evaluate(`(() => {
        const { socket, received, resumed, errors } = window.probe;
        return { received, resumed, errors, session: socket.session, unacked: socket.unackedAmount };
      })()`);
      assert.equal(seen.resumed.length, 1, JSON.stringify(seen.resumed));
      const [resumed] = seen.resumed;
      assert.equal(resumed.recovered, false);
      assert.equal(resumed.code, 'SESSION_LOST');
      assert.equal(resumed.replayed, 0, 'a new session has nothing to replay');
      assert.ok(seen.errors.includes('SESSION_LOST'), `the error events: ${seen.errors}`);
      // What the client still held (sent while the server was down) went to the new session.
      assert.deepEqual(seen.received, ['one', 'two', 'three', 'while down', 'after']);
      assert.ok(seen.session, 'a new session was granted');
      assert.notEqual(seen.session.id, before, 'with a new id');
      assert.equal(seen.unacked, 0, 'the new session acknowledges');
      assert.deepEqual(page.problems, []);
    } finally {
      await page.close();
      await server.stop();
    }
  });
}
