// The driver's hold on the browser: the WebSocket of the current attempt and its listeners,
// the one timer for the engine's next deadline, and the page's lifecycle listeners.
import { args, engine, error, made } from './core.js';
import { thrownMessage } from './attempts.js';

// The engine's inputs (core-wasm/src/exports.rs, `dx_input`).
const OPENED = 0, MESSAGE = 1, DATA = 2, CONTROL = 3, PROTOCOL = 4, CLOSED = 6, REFUSED = 7;
const TIMEOUT = 8, OFFLINE = 11, ONLINE = 12, WAKE = 13, HIDDEN = 14;
const GLOBAL_EVENTS = ['online', 'offline', 'pageshow', 'pagehide'];

/** The input a page lifecycle event means, if any. */
function pageInput(event) {
  switch (event.type) {
    case 'online': return ONLINE;
    case 'offline': return OFFLINE;
    case 'pageshow': return event.persisted ? WAKE : null;
    case 'pagehide': return event.persisted ? HIDDEN : null;
    default: return globalThis.document?.visibilityState === 'visible' ? WAKE : null;
  }
}

/** Hangs the driver's listeners for a new life: the socket's, and the page's with lifecycle on. */
export function attach(driver) {
  driver.listeners ??= {
    onopen: () => {
      if (engine().dx_query(driver.s, 12) === 1) {
        args(driver.ws.protocol);
        driver.input(PROTOCOL);
      }
      driver.feedEvent(OPENED);
    },
    onmessage: (event) => arrived(driver, event),
    onclose: (event) => {
      // This socket is done: forget it before the engine may ask for another.
      driver.ws = null;
      driver.feedEvent(CLOSED, event.code + (event.wasClean ? 65536 : 0), event.reason);
    },
    // The `close` that follows says what happened (Node.js's `ws` throws on an error event
    // nobody listens to). Node.js's own WebSocket (undici) sends no `close` after a failed
    // handshake (nodejs/undici#3546): it fires `error` while still CONNECTING, which no
    // browser and no `ws` does, and that socket is done: it closes here, as 1006.
    onerror: () => {
      const ws = driver.ws;
      if (ws?.readyState === 0) {
        queueMicrotask(() => {
          if (driver.ws !== ws) return;
          letGo(driver);
          driver.feedEvent(CLOSED, 1006, '');
        });
      }
    },
  };
  driver.onPage ??= (event) => {
    const input = pageInput(event);
    if (input !== null) driver.feedEvent(input);
  };
  if (engine().dx_query(driver.s, 6) === 1 && !driver.paging) paging(driver, true);
}

/** Closed for good: every timer stops, the socket and the page listeners go. */
export function detach(driver) {
  clearTimeout(driver.timers.wake);
  clearTimeout(driver.timers.drain);
  driver.timers = {};
  letGo(driver);
  if (driver.paging) paging(driver, false);
}

/** Hangs (`on`) or takes down the page's lifecycle listeners. */
function paging(driver, on) {
  driver.paging = on;
  const how = on ? 'addEventListener' : 'removeEventListener';
  for (const name of GLOBAL_EVENTS) globalThis[how]?.(name, driver.onPage);
  globalThis.document?.[how]('visibilitychange', driver.onPage);
}

/** A message arrived (the hot path). Plain: the engine notes the sign of life if it watches
 * for one (that input never answers), and the class gets the event's data, read only when a
 * listener asks, unless it is the heartbeat's reply. In a session a control frame goes to the
 * engine only, escaped text loses its extra U+0000, and every application message is counted
 * (acks go out in batches). */
function arrived(driver, event) {
  if (!driver.framing) {
    if (driver.noting) {
      driver.input(MESSAGE);
      if (event.data === driver.own.heartbeat?.reply) return;
    }
    driver.deliver(event);
    return;
  }
  let data = event.data;
  if (typeof data === 'string' && data.charCodeAt(0) === 0) {
    if (data.charCodeAt(1) !== 0) {
      driver.feedEvent(CONTROL, 0, data);
      return driver.waiters.poll(); // an ack may be what a sendAsync waits for
    }
    data = data.slice(1);
  }
  driver.feedEvent(DATA);
  driver.deliver({ data, origin: event.origin });
}

/** Opens the attempt's browser socket, or tells the engine why the browser refused. */
export function open(driver, url, protocols) {
  let ws;
  try {
    ws = new WebSocket(url, protocols);
  } catch (thrown) {
    // The refusal of the very first socket is the constructor's INVALID_URL, naming the URL
    // as the caller gave it.
    args(thrownMessage(thrown), driver.fixedUrl ?? '');
    return driver.input(REFUSED) < 0 ? error() : null;
  }
  driver.url = ws.url;
  driver.last = ws; // its protocol and extensions stay readable after it closed, as a WebSocket's
  ws.binaryType = driver.own.binaryType;
  Object.assign(ws, driver.listeners);
  driver.ws = ws;
  return null;
}

/** Lets go of the current socket: no more events from it, and it is closed. */
export function letGo(driver) {
  const ws = driver.ws;
  if (!ws) return;
  driver.ws = null;
  ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
  ws.close();
}

/** Hands `data` to the socket; what the browser threw (a view it cannot send) as INVALID_DATA. */
export function transmit(driver, data) {
  if (!driver.ws) return made(4, driver.url);
  try {
    driver.ws.send(data);
    return null;
  } catch (thrown) {
    return made(2, thrownMessage(thrown));
  }
}

/** Arms the one timer for the engine's next deadline, if that changed. */
export function armWake(driver) {
  const next = engine().dx_timeout(driver.s);
  if (next === driver.timers.armed) return;
  clearTimeout(driver.timers.wake);
  driver.timers.armed = next;
  if (next < 0) return;
  driver.timers.wake = setTimeout(() => {
    driver.timers.armed = undefined;
    driver.feedEvent(TIMEOUT);
  }, Math.max(0, next - Date.now()));
}
