// The browser side of the client benchmarks: one function per client, the same loop for
// each (`window` messages in flight until `count` echoes came back; window 1 is sequential
// round trips), resolving to the elapsed milliseconds after the open.
import init, { DuplexSocket } from '/pkg/index.js';
import initRust, * as rust from './wasm/duplex_bench_wasm.js';

/** A payload of `size` bytes: ASCII text, or a Uint8Array. */
function payload(size, binary) {
  const bytes = new Uint8Array(size).map((_, i) => 97 + (i % 26));
  return binary ? bytes : new TextDecoder().decode(bytes);
}

/** The loop for the JS clients: they share the browser WebSocket's onmessage/send shape. */
function drive(socket, data, count, window) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let received = 0;
    socket.onmessage = (event) => {
      // Every app reads what arrived, and so does this loop: one that never read `event.data`
      // would time what no app does, and spare the browser converting the data.
      if (event.data === undefined) reject(new Error(`echo ${received + 1} came without data`));
      received += 1;
      if (sent < count) {
        socket.send(data);
        sent += 1;
      }
      if (received === count) resolve(performance.now() - start);
    };
    socket.onerror = (event) => reject(new Error(`socket error after ${received} echoes: ${event.error?.message ?? 'no detail'}`));
    const start = performance.now();
    for (const first = Math.min(window, count); sent < first; sent += 1) socket.send(data);
  });
}

const clients = {
  /** The browser's own WebSocket: the limit. */
  async raw(url, data, count, window) {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`could not open ${url}`));
    });
    try { return await drive(socket, data, count, window); } finally { socket.close(); }
  },
  /** DuplexSocket from JavaScript, default options. */
  async 'duplex-js'(url, data, count, window) {
    const socket = new DuplexSocket(url);
    await socket.opened;
    try { return await drive(socket, data, count, window); } finally { socket.close(); }
  },
  /** DuplexSocket from JavaScript in a session (duplex.v1): every message kept until acked. */
  async 'duplex-js-session'(url, data, count, window) {
    const socket = new DuplexSocket(url, { session: true, queue: { maxBytes: 16 << 20 } });
    await socket.opened;
    try { return await drive(socket, data, count, window); } finally { socket.close(); }
  },
  /** duplex-ws's Rust API (Stream/Sink), from bench/wasm. */
  'duplex-rust': (url, data, count, window, size, binary) =>
    rust.rust_pipelined(url, count, size, binary, window),
  /** gloo-net's WebSocket (futures API), from bench/wasm. */
  'gloo-net': (url, data, count, window, size, binary) =>
    rust.gloo_pipelined(url, count, size, binary, window),
};

/** One measured run; resolves to the elapsed milliseconds. */
window.bench = async ({ client, url, count, size, binary, window: inFlight }) => {
  const run = clients[client];
  if (!run) throw new Error(`unknown client ${client}: one of ${Object.keys(clients).join(', ')}`);
  return run(url, payload(size, binary), count, inFlight, size, binary);
};

await init();
await initRust();
window.benchReady = true;
