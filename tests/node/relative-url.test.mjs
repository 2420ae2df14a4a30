// How the npm package makes a relative URL absolute (js/attempts.js `absolute`), in the runtimes
// a browser test cannot stand for: none with a page (Node.js), one whose `location` getter
// throws (Deno without --location did), and a worker-like global with only `location`.
// The browsers' own resolution is tested against their WebSocket in tests/web/urls.rs.
import assert from 'node:assert/strict';
import test from 'node:test';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// pkg/ was built once for this run by scripts/test.sh.
const { absolute } = await import(pathToFileURL(path.join(root, 'pkg/attempts.js')).href);

/** Runs `check` with `globalThis.location` defined by `descriptor`, then removes it. */
function withLocation(descriptor, check) {
  Object.defineProperty(globalThis, 'location', { ...descriptor, configurable: true });
  try {
    check();
  } finally {
    delete globalThis.location;
  }
}

test('with no page (Node.js) a URL stays as given, for the engine to judge', () => {
  assert.equal(globalThis.location, undefined);
  for (const url of ['/echo', 'echo', '', 'ws://a.example/x']) assert.equal(absolute(url), url);
});

test("a runtime whose location throws still takes absolute URLs, and leaves relative ones", () => {
  withLocation({ get() { throw new ReferenceError('Access to "location", run again with --location'); } }, () => {
    assert.equal(absolute('ws://a.example/x'), 'ws://a.example/x');
    assert.equal(absolute('/echo'), '/echo');
  });
});

test("a worker's location is the base; empty and blank URLs are not resolved", () => {
  withLocation({ value: { href: 'https://page.example/dir/worker.js' } }, () => {
    assert.equal(absolute('/echo'), 'https://page.example/echo');
    assert.equal(absolute('echo?x=1'), 'https://page.example/dir/echo?x=1');
    assert.equal(absolute('//other.example/x'), 'https://other.example/x');
    assert.equal(absolute('ws://a.example/x'), 'ws://a.example/x', 'an absolute URL as given');
    assert.equal(absolute(''), '');
    assert.equal(absolute('  '), '  ');
  });
});
