// The npm package as a user gets it: `npm pack`, installed into a throwaway project under
// target/, used (a) from a plain page through an import map and (b) from a Vite build of a
// TypeScript app, each served by duplex-server and driven in headless Chromium; its types
// checked with tsc, a wrong use included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from './browser.mjs';
import { root, startServer } from './server.mjs';

const work = path.join(root, 'target/npm-package');
const consumer = path.join(work, 'consumer');
const bin = (name) => path.join(root, 'node_modules/.bin', name);

/** What the tarball must hold: what a user needs, nothing else. */
const EXPECTED_FILES = [
  'CHANGELOG.md',
  'LICENSE-APACHE',
  'LICENSE-MIT',
  'README.md',
  'package.json',
  'pkg/attempts.js',
  'pkg/browser.js',
  'pkg/core.js',
  'pkg/driver.js',
  'pkg/duplex_socket.js',
  'pkg/duplex_ws_bg.wasm',
  'pkg/duplex_ws_wasm.js',
  'pkg/events.js',
  'pkg/index.d.ts',
  'pkg/index.js',
  'pkg/init.js',
  'pkg/options.js',
  'pkg/waiters.js',
];

let packed;
let browser;

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

before(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(consumer, { recursive: true });
  // pkg/ was built once for this run by scripts/test.sh.
  [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root));
  writeFileSync(path.join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--no-save', path.join(work, packed.filename)], consumer);
  cpSync(path.join(root, 'tests/npm'), consumer, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

test('the tarball holds only what a user needs', () => {
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, EXPECTED_FILES);
  const size = (name) => packed.files.find((f) => f.path === name).size;
  console.log(`# tarball ${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked; `
    + `wasm ${size('pkg/duplex_ws_bg.wasm')} bytes (inlined: ${size('pkg/duplex_ws_wasm.js')})`);
});

/** Serves `www` with duplex-server and checks the conversation shows in `#log`. */
async function holdsTheConversation(www, pagePath) {
  const server = await startServer({ www });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (error) => problems.push(error.message));
    // Every request the page makes must succeed (the browser's own favicon probe aside).
    page.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) {
        problems.push(`${response.status()} ${response.url()}`);
      }
    });
    await page.goto(server.origin + pagePath);
    const log = page.locator('#log');
    await log.getByText('received: Hello webSocket').waitFor({ timeout: 10_000 });
    await log.getByText('received: I heard you say "I am listening"').waitFor({ timeout: 10_000 });
    assert.deepEqual(problems, []);
    return page;
  } finally {
    await server.stop();
  }
}

test('(a) a plain <script type="module"> page imports the installed package', async () => {
  await holdsTheConversation(consumer, '/plain/index.html');
});

test('(b) a Vite build of the TypeScript example works with no wasm plugin', async () => {
  const app = path.join(consumer, 'vite-app');
  run(bin('vite'), ['build', '--logLevel', 'warn'], app);
  const page = await holdsTheConversation(path.join(app, 'dist'), '/');
  await page.locator('#log').getByText('refused: INVALID_CLOSE_CODE').waitFor({ timeout: 10_000 });
});

test('the typed example passes tsc --noEmit', () => {
  const result = spawnSync(bin('tsc'), ['--noEmit', '-p', path.join(consumer, 'vite-app')], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

test("a wrong use is a type error: an option of the wrong type, a message's data under a misspelt type, a wrong provider", () => {
  const dir = path.join(consumer, 'type-errors');
  const result = spawnSync(bin('tsc'), ['--noEmit', '-p', dir], { encoding: 'utf8' });
  assert.notEqual(result.status, 0, 'tsc accepted the wrong use');
  const errors = result.stdout.split('\n').filter((line) => line.includes('error TS'));
  assert.equal(errors.length, 3, result.stdout);
  assert.match(errors[0], /wrong-use\.ts\(6,.*minDelayMs|wrong-use\.ts\(6,.*'string' is not assignable to type 'number'/);
  assert.match(errors[1], /wrong-use\.ts\(7,.*Property 'data' does not exist on type 'Event'/);
  // A URL provider takes the attempt's context object, not a number.
  assert.match(errors[2], /wrong-use\.ts\(8,.*not assignable to parameter of type .DuplexUrl./);
});
