// The engine: duplex-ws's Rust core compiled to wasm (core-wasm/), with no wasm-bindgen glue.
// It decides everything (queue, reconnects, heartbeats, sessions, the rules and the error
// messages); the JS around it carries out. Numbers cross as arguments, strings as UTF-8 in the
// wasm's memory, and messages never cross: they stay in `store`, and the engine queues their
// ids, asks their size when it must, and says when it let go of them.

let wasm;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sized = new Uint8Array(3072);

/** Messages the engine holds, by id. */
const store = new Map();
let lastId = 0;

/** The wasm's exports (`dx_*`), once `instantiate` has run. */
export const engine = () => wasm;

/** What the wasm imports: the size of a message on the wire, and whether it starts with U+0000. */
const imports = {
  dx: {
    bytes(id) {
      const data = store.get(id);
      // UTF-8, as the browser will send it (a lone surrogate becomes U+FFFD). Asked only of a
      // message the engine keeps (queued, or unacknowledged in a session: every message sent
      // in one), never on the open path. Up to 1,024 UTF-16 units (at most 3,072 bytes) it is
      // encoded into one buffer kept for it: a new array per message cost a session about 15 %
      // of its pipelined 20 B rate.
      if (typeof data === 'string') {
        return data.length > 1024 ? encoder.encode(data).length : encoder.encodeInto(data, sized).written;
      }
      return data.byteLength ?? data.size; // ArrayBuffer or view; Blob
    },
    nul: (id) => Number(store.get(id).charCodeAt?.(0) === 0),
  },
};

/** Instantiates the wasm (bytes, a `Response` or a `WebAssembly.Module`), unless `initSync`
 * got there first: the first engine stays, as sockets made on it need. */
export async function instantiate(source) {
  const made = source instanceof Response
    ? await WebAssembly.instantiateStreaming(source, imports)
    : await WebAssembly.instantiate(source, imports);
  wasm ??= (made.instance ?? made).exports;
}

/** The same, at once, for bytes or a `WebAssembly.Module`. */
export function instantiateSync(source) {
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
  wasm = new WebAssembly.Instance(module, imports).exports;
}

/** Gives the engine string arguments for its next call. */
export function args(...texts) {
  for (const text of texts) {
    const bytes = encoder.encode(text);
    const at = wasm.dx_arg(bytes.length);
    new Uint8Array(wasm.memory.buffer, at, bytes.length).set(bytes);
  }
}

/** String `i` of the engine's last output. */
export function out(i) {
  const length = wasm.dx_out_len(i);
  return length ? decoder.decode(new Uint8Array(wasm.memory.buffer, wasm.dx_out_ptr(i), length)) : '';
}

let fields;
/** Field `i` of the engine's last command or event (the view is made again only when the
 * wasm's memory grew, which detaches the old one). */
export function field(i) {
  if (fields?.buffer !== wasm.memory.buffer) fields = new Float64Array(wasm.memory.buffer, wasm.dx_fields(), 8);
  return fields[i];
}

/** An API error: an `Error` with a stable `code`. */
export function coded(code, message) {
  const made = new Error(message);
  made.code = code;
  return made;
}

/** The JS `Error` in the output at `i` (message, then code), as the engine words it. */
export const error = (i = 0) => coded(out(i + 1), out(i));

/** Throws the error in the output if `status` says the call was refused. */
export function check(status) {
  if (status < 0) throw error();
  return status;
}

/** An error the JS side found (`kind` as `dx_error` reads it), made by the engine. */
export function made(kind, ...texts) {
  args(...texts);
  wasm.dx_error(kind);
  return error();
}

/** Keeps `data` for the engine; its id. */
export function keep(data) {
  do lastId = (lastId % 0xfffffffe) + 1; while (store.has(lastId));
  store.set(lastId, data);
  return lastId;
}

/** The message with id `id`. */
export const kept = (id) => store.get(id);

/** Lets go of message `id` at once (the engine said it holds it no more). */
export const drop = (id) => store.delete(id);

/** Lets go of the messages the engine no longer holds. */
export function release() {
  const count = wasm.dx_freed_len();
  if (!count) return;
  for (const id of new Uint32Array(wasm.memory.buffer, wasm.dx_freed_ptr(), count)) store.delete(id);
  wasm.dx_freed_clear();
}
