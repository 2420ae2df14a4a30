// The package entry (`import init, { DuplexSocket } from 'duplex-ws'`). scripts/build.sh copies
// js/* into pkg/, next to wasm-bindgen's glue (duplex_ws.js) and the inlined wasm
// (duplex_ws_wasm.js, written by scripts/inline-wasm.mjs).
import { DuplexSocketCore } from './duplex_ws.js';
import { DuplexSocket, useCore } from './duplex_socket.js';

// The EventTarget class (duplex_socket.js) over the wasm core; init() must run before the
// first `new DuplexSocket(...)`, as wasm-bindgen's classes need.
useCore(DuplexSocketCore);
export { DuplexSocket };
export { default, initSync } from './init.js';
