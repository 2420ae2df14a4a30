// Runs the client benchmarks in headless Chromium (playwright-core, Debian's Chromium) against
// one duplex-server /echo, alternating the clients run by run, and prints one JSON record a
// line (suite "client"). The server comes from tests/node/server.mjs (DUPLEX_SERVER_BIN; the
// bench script points it at a wrapper that pins the server to core 0).
//
//   node bench/browser/run.mjs --runs 5 --wasm target/bench/wasm-pkg [--quick] [--clients raw,duplex-js]
//
// `--compare a=DIR,b=DIR` runs the clients of several builds side by side instead (suite
// "client-compare", subjects `a:duplex-js`, ...): each DIR holds a build's pkg/ and its bench
// wasm in wasm-pkg/ (scripts/bench-compare.sh makes them), each build gets a frame of its own
// in one page, all served by the same server, and the order of the subjects turns each run.
// `--cost` profiles every measured run and adds what the client cost the page's main thread
// per message (cost.mjs) to its record.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, root } from '../../tests/node/server.mjs';
import { launchChromium } from '../../tests/node/browser.mjs';
import { costMeter } from './cost.mjs';

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const runs = Number(option('runs', '5'));
const quick = process.argv.includes('--quick');
const cost = process.argv.includes('--cost');
const wasm = path.resolve(root, option('wasm', 'target/bench/wasm-pkg'));
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`run.mjs: --runs must be a whole number of at least 1, not ${option('runs')}`);
  process.exit(2);
}

const compare = option('compare', '');
const builds = compare ? compare.split(',').map((entry) => entry.split('=')) : [];
// `--clients a,b` runs only those (for a quick comparison while developing).
const clients = option('clients', compare ? 'raw,duplex-js,duplex-rust'
  : 'raw,duplex-js,duplex-js-session,duplex-rust,gloo-net').split(',');
// `--scale 0.2` and `--rows a,b`: shorter runs of some rows while developing.
const scale = Number(option('scale', quick ? '0.02' : '1'));
const only = option('rows', '');
const rows = [
  { row: 'roundtrip-20b', count: 5000, size: 20, binary: false, window: 1 },
  { row: 'pipelined-text-20b', count: 100000, size: 20, binary: false, window: 1000 },
  { row: 'pipelined-binary-1k', count: 100000, size: 1024, binary: true, window: 1000 },
].filter((row) => !only || only.split(',').includes(row.row))
  .map((row) => ({ ...row, count: Math.max(10, Math.round(row.count * scale)) }));

// The page, its script and the bench wasm, served by duplex-server from one folder; in
// --compare, a folder of them per build, the page importing that build's package.
const www = path.join(root, 'target/bench/www');
rmSync(www, { recursive: true, force: true });
const names = compare ? builds.map(([name]) => name) : [''];
for (const [name, dir] of compare ? builds : [['', null]]) {
  const folder = path.join(www, name);
  mkdirSync(folder, { recursive: true });
  cpSync(path.join(root, 'bench/browser/index.html'), path.join(folder, 'index.html'));
  let script = readFileSync(path.join(root, 'bench/browser/bench.js'), 'utf8');
  if (dir) {
    // Before 0.2 the package's entry was pkg/duplex_ws.js (wasm-bindgen's).
    const entry = existsSync(path.join(dir, 'pkg/index.js')) ? 'index.js' : 'duplex_ws.js';
    const own = script.replace("from '/pkg/index.js'", `from './pkg/${entry}'`);
    if (own === script) throw new Error('bench.js no longer imports /pkg/index.js: run.mjs --compare must follow it');
    script = own;
    cpSync(path.join(dir, 'pkg'), path.join(folder, 'pkg'), { recursive: true });
  }
  writeFileSync(path.join(folder, 'bench.js'), script);
  cpSync(dir ? path.join(dir, 'wasm-pkg') : wasm, path.join(folder, 'wasm'), { recursive: true });
}
if (compare) {
  const iframes = names.map((name) => `<iframe name="${name}" src="${name}/index.html"></iframe>`);
  writeFileSync(path.join(www, 'index.html'), `<!doctype html>\n<meta charset="utf-8">\n${iframes.join('\n')}\n`);
}
const subjects = names.flatMap((build) => clients.map((client) => ({ build, client })));
const named = ({ build, client }) => (build ? `${build}:${client}` : client);

const server = await startServer({ www });
const browser = await launchChromium();
let failed = false;
try {
  // --compare: every build in a frame of one page, so that all share one renderer process
  // and thread and a difference between builds is not one between processes. The pipelined
  // 20 B row still moves by up to 2x run to run for the same code (its raw WebSocket did,
  // in frames as in pages): judge it by the median of many runs, and by its raw control.
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${server.origin}/index.html`);
  const frames = {};
  for (const name of names) {
    frames[name] = name ? page.frame({ name }) : page.mainFrame();
    await frames[name].waitForFunction(() => window.benchReady === true, null, { timeout: 30000 });
  }
  const meter = cost ? await costMeter(page) : null;
  const url = server.wsUrl('/echo');
  const measure = ({ build, client }, row, count) => frames[build].evaluate((args) => window.bench(args),
    { client, url, count, size: row.size, binary: row.binary, window: row.window });
  for (const row of rows) {
    // One short untimed run each: the JIT and the wasm warm up outside the figures.
    for (const subject of subjects) await measure(subject, row, Math.min(row.count, 1000));
    for (let run = 1; run <= runs; run += 1) {
      // Each run starts one subject later, so none is always first or always after another.
      const order = subjects.map((_, i) => subjects[(i + run - 1) % subjects.length]);
      for (const subject of order) {
        try {
          await meter?.start();
          const elapsed = await measure(subject, row, row.count);
          const spent = await meter?.stop(row.count);
          const metrics = { per_s: (row.count / elapsed) * 1000, elapsed_ms: elapsed, count: row.count, ...spent };
          const suite = compare ? 'client-compare' : 'client';
          console.log(JSON.stringify({ suite, row: row.row, subject: named(subject), run, metrics }));
        } catch (error) {
          await meter?.stop(1).catch(() => {}); // the next run starts a profile of its own
          failed = true;
          console.error(`client ${named(subject)}, ${row.row}, run ${run}: ${error.message}`);
        }
      }
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
process.exit(failed ? 1 : 0);
