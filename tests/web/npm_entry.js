// The npm package as the browser tests use it: scripts/build.sh bundles this entry into one
// module (target/npm-bundle/duplex-ws.js) that wasm-bindgen-test can import, with the wasm
// instantiated before any test runs (top-level await).
import init from '../../pkg/index.js';

export { DuplexSocket } from '../../pkg/index.js';

await init();
