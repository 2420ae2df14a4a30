// Download size of duplex-ws and its peers, bundled the same way: each package's usual import
// through `esbuild --bundle --minify` (ES module, browser), then `gzip -9`. duplex-ws's entry
// (pkg/index.js) carries its wasm inlined (deflated, base64: pkg/duplex_ws_wasm.js), so the
// bundle is the whole download; `wasm_bytes` is the inlined module's share of it.
// Prints one JSON record a line (suite "size", row "min-gzip").
//
//   node bench/size/measure.mjs [--pkg pkg] [--only SUBJECT]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkgIndex = process.argv.indexOf('--pkg');
const pkg = path.resolve(root, pkgIndex >= 0 ? process.argv[pkgIndex + 1] : 'pkg');
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : null;

/** Each subject's entry: what its README imports. */
const subjects = [
  ['duplex-ws', `import init, { DuplexSocket } from ${JSON.stringify(path.join(pkg, 'index.js'))}; export { init, DuplexSocket };`],
  ['socket.io-client', `export { io } from 'socket.io-client';`],
  ['reconnecting-websocket', `export { default } from 'reconnecting-websocket';`],
  ['partysocket', `export { WebSocket } from 'partysocket';`],
  ['websocket-ts', `export { WebsocketBuilder } from 'websocket-ts';`],
];

/** Bytes after `gzip -9`. */
function gzipped(bytes) {
  return execFileSync('gzip', ['-9', '-c'], { input: bytes, maxBuffer: 1 << 28 }).length;
}

for (const [subject, entry] of subjects.filter(([name]) => !only || name === only)) {
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  const js = gzipped(result.outputFiles[0].contents);
  let wasm = 0;
  if (subject === 'duplex-ws') {
    const file = path.join(pkg, 'duplex_ws_wasm.js');
    if (!existsSync(file)) {
      console.error(`size: ${file} is missing: build the package first (scripts/build.sh)`);
      process.exit(1);
    }
    // Already deflated inside: its gzip is its share of the bundle's.
    wasm = gzipped(readFileSync(file));
  }
  // The bundle holds the inlined wasm: it is the total.
  const metrics = { js_bytes: js - wasm, total_bytes: js };
  if (wasm) metrics.wasm_bytes = wasm;
  console.log(JSON.stringify({ suite: 'size', row: 'min-gzip', subject, run: 1, metrics }));
}
