// Runs the client benchmarks in headless Chromium (playwright-core, Debian's Chromium) against
// one duplex-server /echo, alternating the clients run by run, and prints one JSON record a
// line (suite "client"). The server comes from tests/node/server.mjs (DUPLEX_SERVER_BIN; the
// bench script points it at a wrapper that pins the server to core 0).
//
//   node bench/browser/run.mjs --runs 5 --wasm target/bench/wasm-pkg [--quick] [--clients raw,duplex-js]
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServer, root } from '../../tests/node/server.mjs';
import { launchChromium } from '../../tests/node/browser.mjs';

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const runs = Number(option('runs', '5'));
const quick = process.argv.includes('--quick');
const wasm = path.resolve(root, option('wasm', 'target/bench/wasm-pkg'));
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`run.mjs: --runs must be a whole number of at least 1, not ${option('runs')}`);
  process.exit(2);
}

// `--clients a,b` runs only those (for a quick comparison while developing).
const clients = option('clients', 'raw,duplex-js,duplex-js-session,duplex-rust,gloo-net').split(',');
// `--scale 0.2` and `--rows a,b`: shorter runs of some rows while developing.
const scale = Number(option('scale', quick ? '0.02' : '1'));
const only = option('rows', '');
const rows = [
  { row: 'roundtrip-20b', count: 5000, size: 20, binary: false, window: 1 },
  { row: 'pipelined-text-20b', count: 100000, size: 20, binary: false, window: 1000 },
  { row: 'pipelined-binary-1k', count: 100000, size: 1024, binary: true, window: 1000 },
].filter((row) => !only || only.split(',').includes(row.row))
  .map((row) => ({ ...row, count: Math.max(10, Math.round(row.count * scale)) }));

// The page, its script and the bench wasm, served by duplex-server from one folder.
const www = path.join(root, 'target/bench/www');
rmSync(www, { recursive: true, force: true });
mkdirSync(www, { recursive: true });
for (const file of ['index.html', 'bench.js']) {
  cpSync(path.join(root, 'bench/browser', file), path.join(www, file));
}
cpSync(wasm, path.join(www, 'wasm'), { recursive: true });

const server = await startServer({ www });
const browser = await launchChromium();
let failed = false;
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${server.origin}/index.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30000 });
  const url = server.wsUrl('/echo');
  const measure = (client, row, count) =>
    page.evaluate((args) => window.bench(args), { client, url, count, size: row.size, binary: row.binary, window: row.window });
  for (const row of rows) {
    // One short untimed run each: the JIT and the wasm warm up outside the figures.
    for (const client of clients) await measure(client, row, Math.min(row.count, 1000));
    for (let run = 1; run <= runs; run += 1) {
      for (const client of clients) {
        try {
          const elapsed = await measure(client, row, row.count);
          const metrics = { per_s: (row.count / elapsed) * 1000, elapsed_ms: elapsed, count: row.count };
          console.log(JSON.stringify({ suite: 'client', row: row.row, subject: client, run, metrics }));
        } catch (error) {
          failed = true;
          console.error(`client ${client}, ${row.row}, run ${run}: ${error.message}`);
        }
      }
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
process.exit(failed ? 1 : 0);
