// The package entry (`import init, { DuplexSocket } from 'duplex-ws'`). scripts/build.sh copies
// js/* into pkg/, next to wasm-bindgen's glue (duplex_ws.js) and the inlined wasm
// (duplex_ws_wasm.js, written by scripts/inline-wasm.mjs).
export { DuplexSocket } from './duplex_ws.js';
export { default, initSync } from './init.js';
