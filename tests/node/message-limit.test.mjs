// A message over duplex-server's size limit (1 MiB by default), sent by the npm package in
// Chromium and Firefox to /echo: the server closes with 1009 and its reason, and drops the TCP
// connection at once, so the browser says wasClean false. Its close frame did arrive: the
// socket must close with that code and reason, with no CONNECTION_LOST ("lost without a close
// frame") error, which hid the limit from the app (the engine test
// a_close_frame_then_a_dropped_connection_is_the_servers_close_not_a_lost_connection is the
// rule; this is the whole path, three times per browser as the reset's timing varies). A send
// after it is refused with CLOSED, saying how the socket closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, openPage } from './browser.mjs';
import { launchFirefox } from './firefox.mjs';
import { startServer } from './server.mjs';

let server;
let chromium;
before(async () => {
  server = await startServer();
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
  await server?.stop();
});

// Runs in a page of the server: three sockets each send 2 MiB; what each close and error said.
const oversized = `(async () => {
  const { default: init, DuplexSocket } = await import('/pkg/index.js');
  await init();
  const seen = [];
  for (let i = 0; i < 3; i++) {
    const socket = new DuplexSocket(location.origin.replace(/^http/, 'ws') + '/echo');
    const errors = [];
    socket.onerror = (event) => errors.push(event.error.code);
    await socket.opened;
    socket.send(new Uint8Array(2 << 20));
    const timeout = new Promise((resolve) => setTimeout(() => resolve({ code: 'none after 10 s' }), 10000));
    const { code, reason } = await Promise.race([socket.closed, timeout]);
    let refused = 'nothing';
    try {
      socket.send('late');
    } catch (error) {
      refused = error.code + ' ' + error.message.slice(error.message.indexOf('('));
    }
    seen.push({ code, reason, errors, refused });
  }
  return seen;
})()`;

const expected = Array(3).fill({
  code: 1009, reason: 'Frame too large', errors: [], refused: 'CLOSED (code 1009, reason "Frame too large")',
});

test('Chromium: a message over the limit closes with 1009 and its reason, not CONNECTION_LOST', async () => {
  const page = await openPage(chromium, server.origin + '/');
  try {
    assert.deepEqual(await page.evaluate(oversized), expected);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

test('Firefox: a message over the limit closes with 1009 and its reason, not CONNECTION_LOST', async () => {
  const firefox = await launchFirefox();
  try {
    await firefox.goto(server.origin + '/');
    assert.deepEqual(await firefox.evaluate(`return ${oversized}`), expected);
  } finally {
    await firefox.quit();
  }
});
