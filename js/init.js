// `await init()`: loads the wasm with no argument in every runtime and after every bundler.
//
// The wasm travels inside a JS module (duplex_ws_wasm.js: the wasm deflated, then base64), so
// nothing has to find a file at run time: no `new URL('…wasm', import.meta.url)` a bundler must
// rewrite (esbuild and Rollup do not), no `fetch` of a `file:` URL (Node.js cannot), no `node:`
// import a browser bundle must leave out. A page downloads about 2.5 % more after gzip than with
// the .wasm as a file of its own (measured in README.md, Bundlers and runtimes).
import initWasm from './duplex_ws.js';
import { deflatedWasmBase64 } from './duplex_ws_wasm.js';

let pending;

/**
 * Instantiates the wasm once; later calls return the same promise. With an argument, behaves
 * like wasm-bindgen's own init: `init({ module_or_path })` takes a URL, a Response, bytes or a
 * `WebAssembly.Module` (e.g. to load the package's `duplex_ws_bg.wasm` as a file of its own).
 */
export default function init(input) {
  if (input !== undefined) return initWasm(input);
  pending ??= initWasm({ module_or_path: inlinedWasm() }).catch((error) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

/** `initSync({ module })`: wasm-bindgen's, for bytes or a `WebAssembly.Module` the caller has. */
export { initSync } from './duplex_ws.js';

/** The inlined wasm as a `Response`, so that it compiles while it inflates. */
async function inlinedWasm() {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('duplex-ws: init() needs DecompressionStream (browsers since 2023, Node.js 18, '
      + 'Deno, Bun 1.3.3); here, pass the wasm yourself: init({ module_or_path })');
  }
  const deflated = typeof Uint8Array.fromBase64 === 'function'
    ? Uint8Array.fromBase64(deflatedWasmBase64)
    : Uint8Array.from(atob(deflatedWasmBase64), (char) => char.charCodeAt(0));
  const wasm = new Blob([deflated]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(wasm, { headers: { 'Content-Type': 'application/wasm' } });
}
