// `heartbeat.reply` against the original conversation server: a Node.js `ws` server written as
// the original was (it answers every message, the heartbeat included), and the npm package
// (pkg/, built by scripts/test.sh) in this process with ws as the global WebSocket. The
// server's answers to the heartbeat must never reach `message`; everything else must.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import '../npm/node/ws-global.js';
import init, { DuplexSocket } from 'duplex-ws';

/** The original conversation server, on a free port. */
async function originalServer() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  // What the server heard, in order, for the test to see the heartbeats arrive.
  const heard = [];
  const listeners = new Set();
  wss.on('connection', (ws) => {
    ws.on('message', (message) => {
      heard.push(String(message));
      for (const listener of listeners) listener();
      ws.send(`I heard you say "${message}"`);
    });
    ws.send('Hello webSocket');
  });
  /** Resolves once `holds(heard)` is true (checked on each message the server hears). */
  const until = (holds) => new Promise((resolve) => {
    const check = () => {
      if (!holds(heard)) return;
      listeners.delete(check);
      resolve();
    };
    listeners.add(check);
    check();
  });
  return {
    url: `ws://127.0.0.1:${wss.address().port}/`,
    heard,
    until,
    stop: () => new Promise((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(resolve);
    }),
  };
}

const pings = (heard) => heard.filter((text) => text === 'ping').length;

test('heartbeat.reply: the original server answers every ping, and no answer is dispatched', {
  timeout: 20_000, // a bail-out for a heartbeat that never comes, not a measure of speed
}, async () => {
  await init();
  const server = await originalServer();
  const reply = 'I heard you say "ping"';
  // A short interval so that many heartbeats cross the app's own messages; a generous timeout,
  // since the answers are the only traffic that keeps the connection alive between them.
  const socket = new DuplexSocket(server.url, {
    heartbeat: { intervalMs: 20, timeoutMs: 5000, message: 'ping', reply },
  });
  const received = [];
  const problems = [];
  socket.onmessage = (event) => received.push(event.data);
  // Node.js has no ErrorEvent: the handler gets the Error itself there (README.md).
  socket.onerror = (event) => problems.push((event.error ?? event).code);
  socket.onreconnecting = () => problems.push('reconnecting');
  socket.onclose = (event) => problems.push(`close ${event.code}`);
  try {
    await socket.opened;
    await server.until((heard) => pings(heard) >= 3);
    socket.send('one');
    await server.until((heard) => pings(heard) >= 6);
    socket.send('two');
    await server.until((heard) => pings(heard) >= 9);
    // The server answers in order on one connection: once the answer to this arrived, so had
    // the answer to every heartbeat before it.
    socket.send('last');
    await new Promise((resolve) => {
      socket.addEventListener('message', (event) => { if (event.data.includes('"last"')) resolve(); });
    });
    assert.ok(pings(server.heard) >= 9, `the server heard ${pings(server.heard)} heartbeats`);
    assert.deepEqual(received, [
      'Hello webSocket',
      'I heard you say "one"',
      'I heard you say "two"',
      'I heard you say "last"',
    ]);
    assert.deepEqual(problems, [], 'no HEARTBEAT_TIMEOUT, nor any other error or reconnect');
    assert.equal(socket.readyState, DuplexSocket.OPEN);
  } finally {
    socket.close();
    await server.stop();
  }
});
