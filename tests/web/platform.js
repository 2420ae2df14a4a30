// Browser tests of DuplexSocket as a citizen of the web platform, written in JS because that
// is how it is used. Each function throws (an Error naming what went wrong) on failure;
// tests/web/platform.rs runs them in headless Chromium and Firefox against duplex-server.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function check(condition, what) {
  if (!condition) throw new Error(`failed: ${what}`);
}

function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: got ${a}, expected ${e}`);
}

/** Resolves with the first event of `type` on `target`, or rejects after `ms`. */
function once(target, type, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within ${ms} ms`)), ms);
    target.addEventListener(type, (event) => { clearTimeout(timer); resolve(event); }, { once: true });
  });
}

async function until(condition, what, ms = 10000) {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

export async function eventTargetSemantics(DuplexSocket, echo) {
  const socket = new DuplexSocket(echo);
  check(socket instanceof EventTarget, 'instanceof EventTarget');
  const calls = [];
  // Mixed order: a listener, then onmessage, then another listener; onmessage keeps its
  // place when replaced.
  socket.addEventListener('message', (e) => calls.push(`first:${e.data}`));
  socket.onmessage = (e) => calls.push(`on-old:${e.data}`);
  socket.addEventListener('message', { handleEvent(e) { calls.push(`object:${e.data}`); } });
  socket.onmessage = function (e) {
    calls.push(`on:${e.data}`);
    check(this === socket, 'this is the socket in on<type>');
  };
  socket.addEventListener('message', function (e) {
    check(this === socket && e.target === socket && e.currentTarget === socket, 'this/target/currentTarget');
    check(e instanceof MessageEvent && e.type === 'message' && e.isTrusted === false, `a MessageEvent: ${e}`);
    calls.push(`last:${e.data}`);
  });
  socket.addEventListener('message', (e) => calls.push(`once:${e.data}`), { once: true });
  const controller = new AbortController();
  socket.addEventListener('message', (e) => calls.push(`signal:${e.data}`), { signal: controller.signal });
  // A throwing listener is reported (reportError: a global error event) and the rest run.
  const reported = [];
  const onGlobalError = (event) => {
    if (event.error?.message === 'boom') { reported.push('boom'); event.preventDefault(); }
  };
  globalThis.addEventListener('error', onGlobalError);
  socket.addEventListener('message', () => { throw new Error('boom'); });
  socket.addEventListener('message', (e) => calls.push(`after-throw:${e.data}`));

  socket.send('a');
  await until(() => calls.length >= 7, 'the first message to every listener');
  controller.abort();
  socket.send('b');
  await until(() => calls.includes('after-throw:b'), 'the second message');
  globalThis.removeEventListener('error', onGlobalError);
  equal(calls, [
    // onmessage was first set before the handleEvent object was added: that is its place.
    'first:a', 'on:a', 'object:a', 'last:a', 'once:a', 'signal:a', 'after-throw:a',
    'first:b', 'on:b', 'object:b', 'last:b', 'after-throw:b',
  ], 'listener order, once and signal');
  equal(reported, ['boom', 'boom'], 'the throwing listener reported each time');
  // dispatchEvent works, for the app's own events too.
  let custom = 0;
  socket.addEventListener('custom', () => { custom += 1; });
  socket.dispatchEvent(new Event('custom'));
  equal(custom, 1, 'dispatchEvent of an app event');
  socket.onmessage = null;
  socket.close();
  await socket.closed;
}

export async function binaryTypeSwitchedMidStream(DuplexSocket, echo) {
  const socket = new DuplexSocket(echo);
  const data = [];
  socket.onmessage = (e) => {
    // The browser's own value, the same object at every read (not a copy per read).
    check(e.data === e.data, `one data object: ${e.data}`);
    data.push(e.data);
  };
  socket.send(new Uint8Array([1, 2, 3]));
  await until(() => data.length === 1, 'the first binary echo');
  check(data[0] instanceof ArrayBuffer, `arraybuffer first, got ${data[0]}`);
  equal(socket.binaryType, 'arraybuffer', 'binaryType read');
  socket.binaryType = 'blob';
  equal(socket.binaryType, 'blob', 'binaryType written');
  socket.send(new Uint8Array([4, 5]));
  await until(() => data.length === 2, 'the second binary echo');
  check(data[1] instanceof Blob && data[1].size === 2, `a Blob after the switch, got ${data[1]}`);
  let thrown;
  try { socket.binaryType = 'text'; } catch (error) { thrown = error; }
  check(thrown?.code === 'INVALID_OPTION' && /"text"/.test(thrown.message), `a bad binaryType named: ${thrown?.message}`);
  socket.close();
}

/** A `URL` object is taken as a WebSocket takes one (lib.dom types the URL `string | URL`). */
export async function aUrlObjectIsTaken(DuplexSocket, echo) {
  const socket = new DuplexSocket(new URL(echo));
  equal(socket.url, new URL(echo).href, 'the url');
  socket.send('by URL');
  equal((await once(socket, 'message')).data, 'by URL', 'the echo');
  socket.close();
}

export async function urlProviderGivesATokenPerAttempt(DuplexSocket, hooks) {
  const asked = [];
  const socket = new DuplexSocket(async (ctx) => {
    asked.push(ctx.attempt);
    await sleep(1);
    return `${hooks}&token=t${asked.length}`;
  }, { reconnect: { minDelayMs: 0, maxDelayMs: 0, minUptimeMs: 0 } });
  const urls = [];
  const seen = [];
  // The server says which path and query each connection's handshake carried.
  // A drop would cut off the answer still on its way: the next drop waits for it.
  socket.onmessage = (event) => {
    if (!event.data.startsWith('hook-path: ')) return;
    seen.push(event.data.slice('hook-path: '.length));
    if (seen.length < 3) socket.send('hook:drop');
  };
  socket.onopen = () => {
    urls.push(socket.url);
    socket.send('hook:path');
  };
  await until(() => seen.length === 3, 'the server\'s view of three connections');
  equal(urls.map((u) => new URL(u).searchParams.get('token')), ['t1', 't2', 't3'], 'each attempt its own token');
  const tokens = seen.map((path) => new URL(path, 'ws://h').searchParams.get('token'));
  equal(tokens, ['t1', 't2', 't3'], 'the server saw each token once');
  equal(asked, [0, 1, 1], 'the provider is told the attempt');
  socket.close();
}

export async function aRejectingProviderIsAnErrorThenBackoff(DuplexSocket, echo) {
  let calls = 0;
  const socket = new DuplexSocket(() => {
    calls += 1;
    return calls === 1 ? Promise.reject(new Error('token service down')) : echo;
  }, { reconnect: { minDelayMs: 0, maxDelayMs: 0 } });
  // Both events come in one turn: listen for both first.
  const [error, reconnecting] = await Promise.all([once(socket, 'error'), once(socket, 'reconnecting')]);
  equal(error.error.code, 'CONNECTION_FAILED', 'the code');
  check(/url provider rejected with token service down/.test(error.error.message), error.error.message);
  equal(reconnecting.error?.code, 'CONNECTION_FAILED', 'the reconnecting event says what ended it');
  await socket.opened;
  equal(calls, 2, 'asked again after the backoff');
  socket.close();
}

export async function anAcceptAndDropServerIsNotHammered(DuplexSocket, hooks) {
  const socket = new DuplexSocket(hooks, { reconnect: { minDelayMs: 40, maxDelayMs: 10000, factor: 2 } });
  const attempts = [];
  let droppedAt = 0;
  const gaps = [];
  socket.onopen = () => {
    if (droppedAt) gaps.push(performance.now() - droppedAt);
    socket.send('hook:drop'); // the server "accepts and drops at once"
  };
  socket.onreconnecting = (e) => { attempts.push([e.attempt, e.delayMs]); droppedAt = performance.now(); };
  await until(() => attempts.length === 5, 'five reconnects', 20000);
  socket.close();
  // Under minUptimeMs (5 s by default) the attempts go on counting: the backoff grows.
  equal(attempts.map(([attempt]) => attempt), [1, 2, 3, 4, 5], 'attempts keep counting');
  attempts.forEach(([attempt, delay]) => check(delay <= 40 * 2 ** (attempt - 1), `delay ${delay} within the ceiling of attempt ${attempt}`));
  gaps.forEach((gap, i) => check(gap + 5 >= attempts[i][1], `reconnected after ${gap} ms, not before its ${attempts[i][1]} ms delay`));
}

export async function offlinePausesAndOnlineReconnectsAtOnce(DuplexSocket, hooks) {
  const socket = new DuplexSocket(hooks, { reconnect: { minDelayMs: 10000, maxDelayMs: 10000, factor: 1 } });
  await socket.opened;
  globalThis.dispatchEvent(new Event('offline'));
  socket.send('hook:drop');
  const reconnecting = await once(socket, 'reconnecting');
  await sleep(300);
  equal(socket.readyState, 0, 'waiting, paused');
  let reopened = 0;
  socket.onopen = () => { reopened = performance.now(); };
  await sleep(200);
  check(reopened === 0, 'no attempt while offline');
  const online = performance.now();
  globalThis.dispatchEvent(new Event('online'));
  await until(() => reopened > 0, 'the open after online', 2000);
  check(reopened - online < 100, `open ${reopened - online} ms after online (backoff said ${reconnecting.delayMs} ms)`);
  // Without offline: the backoff wait is skipped by online too.
  socket.send('hook:drop');
  const second = await once(socket, 'reconnecting');
  reopened = 0;
  const online2 = performance.now();
  globalThis.dispatchEvent(new Event('online'));
  await until(() => reopened > 0, 'the open after the second online', 2000);
  check(reopened - online2 < 100, `open ${reopened - online2} ms after online (backoff said ${second.delayMs} ms)`);
  socket.close();
}

export async function aHeartbeatWithDelayedTimersDoesNotTimeOutFalsely(DuplexSocket, echo) {
  const socket = new DuplexSocket(echo, { heartbeat: { intervalMs: 100, timeoutMs: 300, message: 'ping' } });
  const errors = [];
  socket.onerror = (e) => errors.push(e.error.code);
  await once(socket, 'open');
  // Timers cannot run for a second (as in a throttled background tab); nothing is in flight.
  const until_ = performance.now() + 1000;
  while (performance.now() < until_) { /* busy */ }
  await sleep(800);
  equal(errors, [], 'no HEARTBEAT_TIMEOUT: the server was never asked');
  equal(socket.readyState, 1, 'still open');
  socket.close();
}

export async function theBackForwardCacheClosesAndAShowReopens(DuplexSocket, echo) {
  const socket = new DuplexSocket(echo, { reconnect: { minDelayMs: 0, maxDelayMs: 0 } });
  const data = [];
  socket.onmessage = (e) => data.push(e.data);
  await socket.opened;
  const hide = new Event('pagehide');
  Object.defineProperty(hide, 'persisted', { value: true });
  globalThis.dispatchEvent(hide);
  equal(socket.readyState, 0, 'hidden: waiting for the page to be shown');
  socket.send('sent while hidden');
  equal(socket.queuedAmount, 17, 'queued, intact');
  await sleep(200);
  equal(data, [], 'nothing while hidden');
  const show = new Event('pageshow');
  Object.defineProperty(show, 'persisted', { value: true });
  globalThis.dispatchEvent(show);
  await until(() => data.length === 1, 'the queued message after the show');
  equal(data, ['sent while hidden'], 'delivered once');
  socket.close();
}

export async function heartbeatReplyIsNotDispatched(DuplexSocket, root) {
  // The original conversation answers every message: its answer to the heartbeat is known.
  const reply = 'I heard you say "ping"';
  const socket = new DuplexSocket(root, { heartbeat: { intervalMs: 50, timeoutMs: 1000, message: 'ping', reply } });
  const data = [];
  socket.onmessage = (e) => data.push(e.data);
  await sleep(400);
  socket.send('hello');
  await until(() => data.length === 2, 'the greeting and the reply');
  await sleep(100);
  equal(data, ['Hello webSocket', 'I heard you say "hello"'], 'no heartbeat answer dispatched');
  socket.close();
}

export async function shouldReconnectHasTheLastWord(DuplexSocket, hooks) {
  const told = [];
  const socket = new DuplexSocket(hooks, {
    reconnect: { minDelayMs: 0, maxDelayMs: 0, shouldReconnect: (ctx) => { told.push(ctx); return false; } },
  });
  await socket.opened;
  socket.send('hook:drop');
  const closed = await socket.closed;
  equal(closed.code, 1006, 'closed for good');
  equal(told.length, 1, 'asked once');
  equal([told[0].attempt, told[0].lastClose.code, told[0].lastError.code], [1, 1006, 'CONNECTION_LOST'], 'what it is told');
  // reconnect() reopens a socket closed for good.
  socket.reconnect();
  await once(socket, 'open');
  equal(socket.readyState, 1, 'open again');
  socket.close();
}

/** Text queued while connecting counts its UTF-8 bytes, as the browser will send them: short
 * messages (measured into a buffer the package keeps), one over 1,024 UTF-16 units (encoded on
 * its own), a lone surrogate (sent as U+FFFD, 3 bytes); then each arrives intact. */
export async function queuedTextCountsItsUtf8Bytes(DuplexSocket, echo) {
  const texts = ['a', 'é', '😀', '\ud800', `${'é'.repeat(600)}x`, 'é'.repeat(2000)];
  const socket = new DuplexSocket(`${echo}&stall=300`);
  const data = [];
  socket.onmessage = (e) => data.push(e.data);
  for (const text of texts) socket.send(text);
  const utf8 = texts.reduce((sum, text) => sum + new TextEncoder().encode(text).length, 0);
  equal(utf8, 1 + 2 + 4 + 3 + 1201 + 4000, 'the expected count');
  equal(socket.queuedAmount, utf8, 'queued bytes');
  await until(() => data.length === texts.length, 'the echoes');
  equal(data, texts.map((text) => (text === '\ud800' ? '\ufffd' : text)), 'each intact');
  equal(socket.queuedAmount, 0, 'nothing queued once sent');
  socket.close();
}
