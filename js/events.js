// The events a DuplexSocket dispatches, made as the platform makes its own: an `Event` with
// the fields API.md names, a `CloseEvent`, `ErrorEvent` and `MessageEvent` where the runtime
// has them (Node.js lacks some: an `Event` with the same fields then).

const make = (Kind, type, init) => (typeof Kind === 'function'
  ? new Kind(type, init)
  : Object.assign(new Event(type), init));

/** `open`. */
export const openEvent = () => new Event('open');

/** `message`, carrying the browser's own data. */
export const messageEvent = (data) => make(globalThis.MessageEvent, 'message', { data });

/** `error`, whose `.error` is the coded `Error`. */
export const errorEvent = (error) => make(globalThis.ErrorEvent, 'error', { message: error.message, error });

/** `close`, with the final code, reason and wasClean. */
export const closeEvent = (info) => make(globalThis.CloseEvent, 'close', info);

/** An `Event` of `type` with `fields` (reconnecting, resumed). */
export const fieldsEvent = (type, fields) => Object.assign(new Event(type), fields);
