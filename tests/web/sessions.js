// Sessions on the JS class, as a JS developer uses them: `session: true`, `socket.session`,
// `unackedAmount`, `sendAsync` on the server's ack, the `resumed` event (property and
// listener). Run by tests/web/sessions.rs in both browsers against duplex-server.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition, what, ms = 10000) {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

function check(condition, what) {
  if (!condition) throw new Error(`failed: ${what}`);
}

export async function sessionOnTheJsClass(DuplexSocket, hooksUrl) {
  const socket = new DuplexSocket(hooksUrl, {
    session: { ackEvery: 16, ackDelayMs: 10 },
    reconnect: { minDelayMs: 10, maxDelayMs: 50, minUptimeMs: 0 },
  });
  const echoes = [];
  socket.onmessage = (event) => { if (event.data.startsWith('n')) echoes.push(event.data); };
  const resumed = [];
  socket.onresumed = (event) => resumed.push(event);
  const listened = [];
  socket.addEventListener('resumed', (event) => listened.push(event.type));
  check(socket.session === null, 'no session before the server answers');
  await socket.opened;
  await until(() => socket.session !== null, 'the session');
  const { id } = socket.session;
  check(typeof id === 'string' && id.length >= 32 && socket.session.resumes === 0, `session ${JSON.stringify(socket.session)}`);
  check(socket.protocol === 'duplex.v1', `protocol ${socket.protocol}`);
  for (let i = 0; i < 200; i += 1) socket.send(`n${i}`);
  check(socket.unackedAmount > 0, 'sent and not yet acknowledged');
  await socket.sendAsync('n200');
  check(socket.unackedAmount === 0, `acknowledged, unackedAmount ${socket.unackedAmount}`);
  socket.send('hook:drop');
  for (let i = 201; i < 400; i += 1) socket.send(`n${i}`);
  await until(() => resumed.length === 1, 'the resumed event');
  const event = resumed[0];
  check(event instanceof Event && event.type === 'resumed' && event.target === socket, 'a real Event on the socket');
  check(event.recovered === true && event.error === null, `recovered: ${event.recovered}, error ${event.error}`);
  check(Number.isInteger(event.resent) && Number.isInteger(event.replayed), 'resent and replayed counts');
  check(listened.length === 1, 'listeners hear it too');
  check(socket.session.id === id && socket.session.resumes === 1, `the same session, resumed once: ${JSON.stringify(socket.session)}`);
  await until(() => echoes.length >= 400, `400 echoes (have ${echoes.length})`);
  await sleep(50);
  const expected = Array.from({ length: 400 }, (_, i) => `n${i}`);
  check(JSON.stringify(echoes) === JSON.stringify(expected), `each echo once, in order: ${echoes.length} echoes`);
  socket.close();
  await socket.closed;
}
