// The package entry (`import init, { DuplexSocket } from 'duplex-ws'`). scripts/build.sh copies
// js/* into pkg/, next to the engine's wasm (duplex_ws_bg.wasm, built from core-wasm/) and its
// inlined copy (duplex_ws_wasm.js, written by scripts/inline-wasm.mjs).
export { DuplexSocket } from './duplex_socket.js';
export { default, initSync } from './init.js';
