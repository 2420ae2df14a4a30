// The types of the package entry (js/index.js): the generated declarations (DuplexSocket, its
// options, events and error codes, initSync) and the runtime-aware init of js/init.js.
import type { InitInput, InitOutput } from './duplex_ws.js';

export * from './duplex_ws.js';

/**
 * Loads the wasm; await it once before `new DuplexSocket(...)`. With no argument it finds the
 * wasm by itself (in a page, a Worker, Node.js, Deno, Bun, and after any bundler); later calls
 * return the same promise. `module_or_path` loads it from elsewhere instead: a URL, a
 * `Response`, bytes or a `WebAssembly.Module`.
 */
export default function init(options?: { module_or_path: InitInput | Promise<InitInput> }): Promise<InitOutput>;
