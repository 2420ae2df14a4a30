// The npm package's `DuplexSocket`: a real EventTarget. Listeners, `once`, `signal`,
// `handleEvent`, `this`, `event.target` and the reporting of a throwing listener are the
// platform's own; the `on<type>` properties keep their place among the listeners, as the
// DOM's do. Behind it, a Driver (js/driver.js) runs the wasm engine.
import { args, check, coded, engine, made, out } from './core.js';
import { attach } from './browser.js';
import { absolute } from './attempts.js';
import { Driver } from './driver.js';
import { describe, displayNumber, readBinaryType, readOptions } from './options.js';

const handlers = new WeakMap();
const drivers = new WeakMap();
const driver = (socket) => drivers.get(socket);
/** The socket's browser socket, or the last one once closed (whose protocol and extensions a
 * WebSocket keeps showing). */
const lastSocket = (socket) => { const d = driver(socket); return d.ws ?? d.last; };
/** A socket nobody can reach any more has closed for good (a live one is held by its browser
 * socket or timers): its engine goes too. */
const engines = new FinalizationRegistry((s) => engine().dx_drop(s));
/** What the engine calls a socket whose URL comes from the app's provider, until it has one. */
const PROVIDED_URL = "(the url provider's URL)";

/** Refuses what `send` cannot take, naming it. */
function checkData(data) {
  if (typeof data !== 'string' && !(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)
    && !(typeof Blob === 'function' && data instanceof Blob)) throw made(2, describe(data));
}

/** This runtime has no `WebSocket` to drive (Node.js 20 without `ws`, say). */
const noWebSocket = () => coded('UNSUPPORTED_RUNTIME',
  "duplex-ws: no global WebSocket here (on Node.js 20, set globalThis.WebSocket to ws's)");

/** A close code as given: absent (-1), or a whole number (the engine checks the range). */
function closeCode(code) {
  if (code === undefined || code === null) return -1;
  if (typeof code !== 'number') throw made(3, `${typeof code} "${typeof code === 'string' ? code : ''}"`);
  if (!Number.isInteger(code) || code < 0 || code > 4294967295) throw made(3, displayNumber(code));
  return code;
}

export class DuplexSocket extends EventTarget {
  constructor(url, options) {
    super();
    if (!engine()) throw coded('NOT_INITIALIZED', 'duplex-ws: call `await init()` before `new DuplexSocket(...)`');
    if (typeof WebSocket !== 'function') throw noWebSocket();
    const own = readOptions(options);
    let name = PROVIDED_URL, fixed;
    if (url instanceof URL) url = url.href; // as a WebSocket takes one
    if (typeof url === 'function') own.urlProvider = url;
    else if (typeof url !== 'string') throw made(1, describe(url));
    else {
      // An error names the URL as checked: resolved against the page (a page's `file:` scheme
      // in it says why `/echo` was refused).
      args(fixed = absolute(url));
      check(engine().dx_check_url());
      name = out(0);
    }
    handlers.set(this, {});
    const running = new Driver(this, name, fixed, own, Math.random() * 9007199254740992);
    drivers.set(this, running);
    engines.register(this, running.s);
  }

  send(data) {
    checkData(data);
    driver(this).send(data);
  }

  sendAsync(data) {
    try {
      checkData(data);
    } catch (refused) {
      return Promise.reject(refused);
    }
    return driver(this).waiters.sendAsync(data);
  }

  close(code, reason) {
    const given = closeCode(code);
    if (reason !== undefined && reason !== null && typeof reason !== 'string') {
      throw made(0, 'reason', `the close reason must be a string, not ${typeof reason}`);
    }
    driver(this).close(given, reason ?? undefined);
  }

  reconnect() {
    const d = driver(this);
    if (d.query(0) === 3) attach(d); // closed for good: a new life, its listeners hung again
    d.feed(10);
  }

  get opened() { return driver(this).waiters.opened(); }
  get closed() { return driver(this).waiters.closed(); }
  get readyState() { const d = driver(this); return d.query(d.ws?.readyState >= 2 ? 1 : 0); }
  get bufferedAmount() { return driver(this).ws?.bufferedAmount ?? 0; }
  get queuedAmount() { return driver(this).query(2); }
  get unackedAmount() { return driver(this).query(3); }
  get session() {
    const resumes = driver(this).query(7);
    return resumes < 0 ? null : { id: out(0), resumes };
  }
  get protocol() { return lastSocket(this)?.protocol ?? ''; }
  get extensions() { return lastSocket(this)?.extensions ?? ''; }
  get url() { return driver(this).url; }
  get binaryType() { return driver(this).own.binaryType; }
  set binaryType(value) {
    const d = driver(this);
    d.own.binaryType = readBinaryType(value);
    if (d.ws) d.ws.binaryType = d.own.binaryType;
  }
}

// The states, 0 to 3, on the class and on every socket, as on a WebSocket.
['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach((name, value) => {
  for (const on of [DuplexSocket, DuplexSocket.prototype]) Object.defineProperty(on, name, { value, enumerable: true });
});

for (const type of ['open', 'message', 'error', 'close', 'reconnecting', 'resumed']) {
  Object.defineProperty(DuplexSocket.prototype, `on${type}`, {
    enumerable: true,
    get() {
      return handlers.get(this)[type]?.handler ?? null;
    },
    set(handler) {
      const own = handlers.get(this);
      if (handler !== null && handler !== undefined && typeof handler !== 'function') {
        const error = new TypeError(`on${type} must be a function or null, not ${typeof handler}`);
        error.code = 'INVALID_OPTION';
        throw error;
      }
      const slot = own[type];
      if (handler === null || handler === undefined) {
        if (slot) this.removeEventListener(type, slot.listener);
        delete own[type];
      } else if (slot) {
        slot.handler = handler; // keeps its place among the listeners
      } else {
        const entry = { handler };
        entry.listener = function (event) { return entry.handler.call(this, event); };
        own[type] = entry;
        this.addEventListener(type, entry.listener);
      }
    },
  });
}
