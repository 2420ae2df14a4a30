// `await init()`: loads the wasm with no argument in every runtime and after every bundler.
//
// The wasm travels inside a JS module (duplex_ws_wasm.js: the wasm deflated, then base64), so
// nothing has to find a file at run time: no `new URL('…wasm', import.meta.url)` a bundler must
// rewrite (esbuild and Rollup do not), no `fetch` of a `file:` URL (Node.js cannot), no `node:`
// import a browser bundle must leave out.
import { coded, engine, instantiate, instantiateSync } from './core.js';
import { deflatedWasmBase64 } from './duplex_ws_wasm.js';

let pending;

/**
 * Instantiates the wasm once: later calls, with or without an argument, return the first
 * call's promise, so sockets already made keep the engine they run on (only a first call that
 * failed is tried again). `init({ module_or_path })` takes the wasm from elsewhere instead of
 * the inlined copy: a URL, a Response, bytes or a `WebAssembly.Module` (e.g. the package's
 * `duplex_ws_bg.wasm` as a file of its own).
 */
export default function init(input) {
  pending ??= load(input).catch((error) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

/** `initSync({ module })`: at once, for bytes or a `WebAssembly.Module` the caller has; once
 * the wasm is loaded (by either), it does nothing. */
export function initSync(input) {
  if (!engine()) instantiateSync(input?.module ?? input);
}

async function load(input) {
  let wasm = input === undefined ? inlinedWasm() : await (input.module_or_path ?? input);
  if (typeof wasm === 'string' || wasm instanceof URL) wasm = fetch(wasm);
  await instantiate(await wasm);
}

/** The inlined wasm as a `Response`, so that it compiles while it inflates. */
function inlinedWasm() {
  if (typeof DecompressionStream !== 'function') {
    // (Browsers since 2023, Node.js 18, Deno and Bun 1.3.3 have it: README.md says so.)
    throw coded('UNSUPPORTED_RUNTIME',
      'duplex-ws: init() needs DecompressionStream; here, pass the wasm: init({ module_or_path })');
  }
  // atob in every runtime (Uint8Array.fromBase64 is newer; the 21 kB decode in about 1 ms).
  const deflated = Uint8Array.from(atob(deflatedWasmBase64), (char) => char.charCodeAt(0));
  const wasm = new Blob([deflated]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(wasm, { headers: { 'Content-Type': 'application/wasm' } });
}
