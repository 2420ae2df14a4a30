// A standard WebSocket client (the npm `ws` package, what the original used) holds the
// conversation with duplex-server.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer } from './server.mjs';

let server;
before(async () => { server = await startServer(); });
after(() => server.stop());

/** Resolves to the first `count` messages a client receives, as { data, isBinary }. */
function collect(socket, count) {
  return new Promise((resolve, reject) => {
    const messages = [];
    socket.on('message', (data, isBinary) => {
      messages.push({ data: isBinary ? data : data.toString(), isBinary });
      if (messages.length === count) resolve(messages);
    });
    socket.on('error', reject);
  });
}

test('the npm ws client is greeted and hears its message back', async () => {
  const socket = new WebSocket(server.wsUrl('/'));
  const received = collect(socket, 2);
  socket.on('open', () => socket.send('I am listening'));
  const [greeting, reply] = await received;
  assert.deepEqual(greeting, { data: 'Hello webSocket', isBinary: false });
  assert.deepEqual(reply, { data: 'I heard you say "I am listening"', isBinary: false });
  socket.close(1000);
});

test('binary messages come back as binary, unchanged', async () => {
  const socket = new WebSocket(server.wsUrl('/'));
  const received = collect(socket, 2);
  const payload = Buffer.from([0, 1, 2, 253, 254, 255]);
  socket.on('open', () => socket.send(payload));
  const [, echo] = await received;
  assert.equal(echo.isBinary, true);
  assert.deepEqual(Buffer.from(echo.data), payload);
  socket.close(1000);
});

test('the close handshake completes with the code the client chose', async () => {
  const socket = new WebSocket(server.wsUrl('/'));
  await new Promise((resolve) => socket.on('open', resolve));
  const closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  socket.close(4000, 'bye');
  assert.deepEqual(await closed, { code: 4000, reason: 'bye' });
});
