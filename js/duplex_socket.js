// The npm package's `DuplexSocket`: a real EventTarget. Listeners, `once`, `signal`,
// `handleEvent`, `this`, `event.target` and the reporting of a throwing listener are the
// platform's own; the `on<type>` properties keep their place among the listeners, as the
// DOM's do. Everything else is the wasm core (DuplexSocketCore), which dispatches its events
// here. This module imports nothing: the package entry hands it the core (`useCore`), and so
// can a test.

let Core;

/** Gives the class its wasm core class (once, by the package entry). */
export function useCore(core) {
  Core = core;
}

const handlers = new WeakMap();

// A message event carrying the browser's own data, made here: one call from the wasm per
// message instead of four (the object, its data, the constructor, dispatchEvent). Runtimes
// without MessageEvent (Node.js before 22) get an Event with a `data` property.
const messageEvent = typeof MessageEvent === 'function'
  ? (data) => new MessageEvent('message', { data })
  : (data) => Object.assign(new Event('message'), { data });
const cores = new WeakMap();
const core = (socket) => cores.get(socket);

export class DuplexSocket extends EventTarget {
  constructor(url, options) {
    super();
    if (!Core) throw new Error('duplex-ws: call `await init()` before `new DuplexSocket(...)`');
    cores.set(this, new Core(url, options, this, (data) => this.dispatchEvent(messageEvent(data))));
    handlers.set(this, {});
  }

  send(data) { core(this).send(data); }
  sendAsync(data) { return core(this).sendAsync(data); }
  close(code, reason) { core(this).close(code, reason); }
  reconnect() { core(this).reconnect(); }
  get opened() { return core(this).opened; }
  get closed() { return core(this).closed; }
  get readyState() { return core(this).readyState; }
  get bufferedAmount() { return core(this).bufferedAmount; }
  get queuedAmount() { return core(this).queuedAmount; }
  get unackedAmount() { return core(this).unackedAmount; }
  get session() { return core(this).session; }
  get protocol() { return core(this).protocol; }
  get extensions() { return core(this).extensions; }
  get url() { return core(this).url; }
  get binaryType() { return core(this).binaryType; }
  set binaryType(value) { core(this).binaryType = value; }
}

const states = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };
for (const [name, value] of Object.entries(states)) {
  Object.defineProperty(DuplexSocket, name, { value, enumerable: true });
  Object.defineProperty(DuplexSocket.prototype, name, { value, enumerable: true });
}

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
