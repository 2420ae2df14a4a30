// The download size budget: what a page downloads for duplex-ws (the package entry bundled by
// esbuild --bundle --minify, its wasm inlined, gzip -9; bench/size/measure.mjs) must stay at or
// under BUDGET_BYTES. The figure is printed on every run; `npm run size` shows where it goes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Issue 16's target is 13,000 B. The package is not there yet (see README, Download size):
// this budget is where it stands (21,973 B), so that no change adds bytes unseen. It goes down,
// but for a measured trade: +42 B on 2026-12-03 for a session's pipelined 20 B text rate
// (+27 %: a queued or unacknowledged text's UTF-8 size counted without a new array).
// +14 B on 2026-12-03 (fifth session) for `http:echo` on an http page resolved against the page
// as the browser's own WebSocket resolves it (js/attempts.js, `absolute`).
const BUDGET_BYTES = 21_973;

test(`the package downloads at most ${BUDGET_BYTES} bytes (min+gzip, JS and wasm)`, () => {
  const lines = execFileSync('node', [path.join(root, 'bench/size/measure.mjs'), '--only', 'duplex-ws'],
    { encoding: 'utf8' }).trim().split('\n').map((line) => JSON.parse(line));
  const { metrics } = lines.find((line) => line.subject === 'duplex-ws');
  console.log(`# size: ${metrics.total_bytes} bytes min+gzip (JS ${metrics.js_bytes}, wasm ${metrics.wasm_bytes}); `
    + `budget ${BUDGET_BYTES}`);
  assert.ok(metrics.total_bytes <= BUDGET_BYTES,
    `duplex-ws is ${metrics.total_bytes} bytes min+gzip, over its budget of ${BUDGET_BYTES} by `
    + `${metrics.total_bytes - BUDGET_BYTES}: npm run size shows where the bytes go`);
});
