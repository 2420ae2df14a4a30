// The packed, installed package in every runtime and bundler README.md names, each holding the
// conversation with a real duplex-server after `await init()` with no argument:
//   Node.js   a script in a project that installed the tarball (Node.js 20: `ws` as WebSocket);
//             init() called again around a running socket; a runtime with no WebSocket
//   Worker    a dedicated module Worker in Chromium and in Firefox
//   bundlers  README.md's snippet, unchanged, bundled by Vite, webpack 5, Rollup (with only
//             @rollup/plugin-node-resolve) and esbuild (`--bundle`, no loader flag), each page
//             run in Chromium with every request answered 200
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { launchChromium } from './browser.mjs';
import { launchFirefox } from './firefox.mjs';
import { root, startServer } from './server.mjs';

const work = path.join(root, 'target/npm-runtimes');
const consumer = path.join(work, 'consumer');
const bin = (name) => path.join(root, 'node_modules/.bin', name);

let browser;

/** Bytes after `gzip -9` (the tool, as bench/size/measure.mjs counts). */
function gzipped(bytes) {
  return execFileSync('gzip', ['-9', '-c'], { input: bytes, maxBuffer: 1 << 28 }).length;
}

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

before(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(consumer, { recursive: true });
  // pkg/ was built once for this run by scripts/test.sh.
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root));
  writeFileSync(path.join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--no-save', path.join(work, packed.filename)], consumer);
  cpSync(path.join(root, 'tests/npm'), consumer, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/**
 * Runs `script` (in the consumer project) with Node.js (and `nodeFlags`) and SERVER_URL set to
 * `url`; resolves to its exit code and output. It must end by itself: nothing may keep it alive once its sockets
 * closed.
 */
async function runNode(script, url, nodeFlags = []) {
  return promisify(execFile)(process.execPath, [...nodeFlags, script], {
    cwd: consumer,
    env: { ...process.env, SERVER_URL: url },
    timeout: 20_000,
  }).then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error) => ({ code: error.code ?? error.signal, stdout: error.stdout, stderr: error.stderr }));
}

/** Runs Node.js `script` against a fresh duplex-server's `/`: it must print `lines` and exit 0. */
async function printsAgainstServer(script, lines) {
  const server = await startServer();
  try {
    const { code, stdout, stderr } = await runNode(script, server.wsUrl('/'));
    assert.deepEqual(stdout.trim().split('\n'), lines, stderr);
    assert.equal(code, 0, stderr);
  } finally {
    await server.stop();
  }
}

test('Node.js: init() with no argument, then the conversation (ws as the WebSocket)', async () => {
  await printsAgainstServer('node/main.js', [
    'received:  Hello webSocket',
    'received:  I heard you say "I am listening"',
    'closed:  1000 done true',
  ]);
});

test('Node.js: a socket before init() is NOT_INITIALIZED; init() again leaves a running socket working', async () => {
  await printsAgainstServer('node/init-again.js', [
    'before init:  NOT_INITIALIZED',
    'first init:  no wasm here',
    'received:  Hello webSocket',
    'after init again:  1',
    'received:  I heard you say "still here"',
    'closed:  1000 done true',
  ]);
});

test('Node.js: with no global WebSocket the constructor throws UNSUPPORTED_RUNTIME, not INVALID_URL', async () => {
  const { code, stdout, stderr } = await runNode('node/no-websocket.js', 'ws://127.0.0.1:9/');
  const lines = stdout.trim().split('\n');
  assert.equal(lines[0], 'thrown:  UNSUPPORTED_RUNTIME', stdout + stderr);
  assert.match(lines[1], /no global WebSocket.*globalThis\.WebSocket/, stdout);
  assert.equal(code, 0, stderr);
});

/** A port nothing listens on: one the system just gave out and took back. */
async function refusedUrl() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return `ws://127.0.0.1:${port}/`;
}

/** refused.js's output says the failure as a browser would: error, close 1006, `opened` rejects.
 * (Node.js has no ErrorEvent, nor, before 23, CloseEvent: js/events.js then makes an Event with
 * the same fields, so the error event still has its type and `error.code`.) */
function failsAsABrowserSocket({ code, stdout, stderr }) {
  const lines = stdout.trim().split('\n');
  assert.ok(lines.includes('error:  error CONNECTION_FAILED'), stdout + stderr);
  assert.ok(lines.includes('closed:  1006 false'), stdout + stderr);
  assert.ok(lines.includes('opened rejected:  CONNECTION_FAILED'), stdout + stderr);
  assert.equal(code, 0, stderr);
}

test('Node.js: a refused connection closes with 1006, opened rejects, the process goes on', async () => {
  failsAsABrowserSocket(await runNode('node/refused.js', await refusedUrl()));
});

test('Node.js: reconnect() in the error listener of a failed socket: the new life\'s closed waits for its own close', async () => {
  const { code, stdout, stderr } = await runNode('node/reconnect-in-onerror.js', await refusedUrl());
  assert.deepEqual(stdout.trim().split('\n'), [
    'error:  CONNECTION_FAILED', 'close:  1006',
    'error:  CONNECTION_FAILED', 'close:  1006', 'second life closed:  1006',
  ], stderr);
  assert.equal(code, 0, stderr);
});

// Node.js's own WebSocket (undici: Node.js 22, or 20 with the flag) fires no `close` after a
// failed handshake, only an `error` (nodejs/undici#3546): the socket must not hang CONNECTING.
test('Node.js\'s own WebSocket (undici): a refused connection closes with 1006 too', async () => {
  failsAsABrowserSocket(await runNode('node/refused.js', await refusedUrl(), ['--experimental-websocket']));
});

/**
 * Opens `pagePath` of a duplex-server serving `www` in a fresh Chromium context and waits until
 * `done(lines)` holds for what the page said (`#log` items, or console lines), with every
 * request of the page and its workers answered below 400. Resolves to the lines and the bytes
 * the page downloaded, as served and after gzip -9.
 */
async function visit(www, pagePath, { fromConsole = false, done }) {
  const server = await startServer({ www });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems = [];
    const lines = [];
    const downloads = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      // A failed request is reported below with its URL (the favicon probe aside).
      if (message.type() === 'error') {
        if (!message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
      } else if (fromConsole) lines.push(message.text());
    });
    // The context sees the requests of the page's workers too.
    context.on('response', (response) => {
      if (response.url().endsWith('/favicon.ico')) return;
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
      downloads.push(response.body().then((body) => [body.length, gzipped(body)], () => [0, 0]));
    });
    await page.goto(server.origin + pagePath);
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (!fromConsole) lines.splice(0, lines.length, ...await page.locator('#log li').allTextContents());
      if (done(lines) || problems.length > 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(problems, []);
    assert.ok(done(lines), `the page said: ${JSON.stringify(lines)}`);
    const sizes = await Promise.all(downloads);
    const sum = (i) => sizes.reduce((total, size) => total + size[i], 0);
    return { lines, requests: sizes.length, bytes: sum(0), gzipped: sum(1) };
  } finally {
    await context.close();
    await server.stop();
  }
}

const CONVERSATION = ['Hello webSocket', 'I heard you say "I am listening"'];

test('a module Worker: init() with no argument, then the conversation', async () => {
  const { lines } = await visit(consumer, '/worker/index.html', { done: (said) => said.length >= 2 });
  assert.deepEqual(lines, CONVERSATION.map((text) => `received: ${text}`));
});

test('a module Worker in Firefox: init() with no argument, then the conversation', async () => {
  const server = await startServer({ www: consumer });
  const firefox = await launchFirefox();
  try {
    await firefox.goto(server.origin + '/worker/index.html');
    const said = () => firefox.evaluate("return [...document.querySelectorAll('#log li')].map((li) => li.textContent)");
    let lines = await said();
    for (const deadline = Date.now() + 15_000; lines.length < 2 && Date.now() < deadline; lines = await said()) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(lines, CONVERSATION.map((text) => `received: ${text}`));
  } finally {
    await firefox.quit();
    await server.stop();
  }
});

const snippet = readFileSync(path.join(root, 'tests/npm/bundlers/main.js'), 'utf8');

test('the bundled snippet is the one README.md shows', () => {
  assert.ok(readFileSync(path.join(root, 'README.md'), 'utf8').includes(snippet),
    'README.md must show tests/npm/bundlers/main.js unchanged');
});

/** Each bundler's build of tests/npm/bundlers/main.js: the folder to serve. */
const bundlers = {
  async vite(app) {
    run(bin('vite'), ['build', '--logLevel', 'warn'], app);
    return path.join(app, 'dist');
  },
  async webpack(app) {
    const { default: webpack } = await import('webpack');
    const { default: config } = await import(pathToFileURL(path.join(app, 'webpack.config.js')));
    const stats = await new Promise((resolve, reject) => {
      webpack({ context: app, ...config }, (error, result) => (error ? reject(error) : resolve(result)));
    });
    assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
    return app;
  },
  async rollup(app) {
    run(bin('rollup'), ['--config', '--silent'], app);
    return app;
  },
  async esbuild(app) {
    run(bin('esbuild'), ['main.js', '--bundle', '--format=esm', '--minify', '--outfile=dist/bundle.js',
      '--log-level=warning'], app);
    return app;
  },
};

for (const [name, build] of Object.entries(bundlers)) {
  test(`${name}: the README snippet bundled holds the conversation, every request 200`, async () => {
    const app = path.join(consumer, 'bundlers', name);
    cpSync(path.join(consumer, 'bundlers/main.js'), path.join(app, 'main.js'));
    const www = await build(app);
    const result = await visit(www, '/', { fromConsole: true, done: (said) => said.length >= 2 });
    assert.deepEqual(result.lines, CONVERSATION.map((text) => `received:  ${text}`));
    console.log(`${name}: the page downloads ${result.requests} files, ${result.bytes} bytes, `
      + `${result.gzipped} after gzip -9`);
  });
}
