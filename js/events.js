// The events a DuplexSocket dispatches, made as the platform makes its own: an `Event` with
// the fields API.md names, a `MessageEvent`, and a `CloseEvent` and `ErrorEvent` where the
// runtime has them (Node.js 20 lacks those two: an `Event` with the same fields then).

const make = (Kind, type, init) => (typeof Kind === 'function'
  ? new Kind(type, init)
  : Object.assign(new Event(type), init));

/** `open`. */
export const openEvent = () => new Event('open');

/** A `MessageEvent` whose `data` is read from the browser socket's own event when a listener
 * asks: the init dictionary and the data's conversion to a JS value are the dearest parts of
 * a message's dispatch, and neither is paid for a listener that does not read it. (Every
 * runtime the package supports has `MessageEvent`: browsers, workers, Node.js 20, Deno, Bun.) */
const Message = class extends MessageEvent {
  #from;

  constructor(from) {
    super('message');
    this.#from = from;
  }

  get data() { return this.#from.data; }

  get origin() { return this.#from.origin; }
};

/** `message`, with the data of `from` (the browser's event, or `{ data }` in a session). */
export const messageEvent = (from) => new Message(from);

/** `error`, whose `.error` is the coded `Error`. */
export const errorEvent = (error) => make(globalThis.ErrorEvent, 'error', { message: error.message, error });

/** `close`, with the final code, reason and wasClean. */
export const closeEvent = (info) => make(globalThis.CloseEvent, 'close', info);

/** An `Event` of `type` with `fields` (reconnecting, resumed). */
export const fieldsEvent = (type, fields) => make(null, type, fields);
