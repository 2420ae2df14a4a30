// permessage-deflate between real browsers and duplex-server: Chromium and Firefox offer it,
// duplex-server accepts it by default (and refuses it with --no-deflate), and the original
// conversation, echo and relay work either way, with messages above the server's threshold
// (compressed both ways when negotiated) and below it. The page's own `WebSocket.extensions`
// says what was negotiated.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchChromium, openPage } from './browser.mjs';
import { launchFirefox } from './firefox.mjs';
import { root, startServer } from './server.mjs';

const pages = path.join(root, 'tests/node/pages');
let chromium;

before(async () => { chromium = await launchChromium(); });
after(async () => { await chromium?.close(); });

const browsers = {
  chromium: (url) => openPage(chromium, url),
  async firefox(url) {
    const firefox = await launchFirefox();
    await firefox.goto(url);
    return { evaluate: (expression) => firefox.evaluate(`return ${expression}`), problems: [], close: () => firefox.quit() };
  },
};

// Runs in the page: the conversation on /, echo and relay, each with a small message and a
// large compressible one (JSON of 6 KiB, over the server's default threshold of 1 KiB); returns
// what each socket negotiated and what came back. Every wait has a deadline, so a broken
// exchange fails with a reason instead of hanging.
const exchange = `(async () => {
  const base = location.origin.replace(/^http/, 'ws');
  const deadline = (what, ms = 10000) => new Promise((_, reject) =>
    setTimeout(() => reject(new Error('timed out: ' + what)), ms));
  const open = (path) => {
    const socket = new WebSocket(base + path);
    socket.binaryType = 'arraybuffer';
    const inbox = [];
    const waiting = [];
    socket.onmessage = (event) => {
      const data = typeof event.data === 'string' ? event.data : 'binary:' + new Uint8Array(event.data).join(',');
      if (waiting.length) waiting.shift()(data); else inbox.push(data);
    };
    const next = (what) => Promise.race([
      new Promise((resolve) => inbox.length ? resolve(inbox.shift()) : waiting.push(resolve)),
      deadline(what),
    ]);
    const opened = Promise.race([
      new Promise((resolve, reject) => { socket.onopen = resolve; socket.onclose = (e) => reject(new Error(path + ' closed ' + e.code)); }),
      deadline('open ' + path),
    ]);
    return { socket, next, opened };
  };
  const big = JSON.stringify(Array.from({ length: 120 }, (_, i) => ({ id: i, name: 'peer-' + i, online: i % 3 === 0 })));
  const result = { extensions: {}, conversation: [], echo: [], relay: [], bigLength: big.length };

  const talk = open('/');
  await talk.opened;
  result.extensions.conversation = talk.socket.extensions;
  result.conversation.push(await talk.next('the greeting'));
  talk.socket.send('I am listening');
  result.conversation.push(await talk.next('the reply'));
  talk.socket.send(big);
  result.conversation.push((await talk.next('the big reply')) === 'I heard you say "' + big + '"');
  talk.socket.close();

  const echo = open('/echo');
  await echo.opened;
  result.extensions.echo = echo.socket.extensions;
  for (const message of ['small', big, big + big]) {
    echo.socket.send(message);
    result.echo.push((await echo.next('an echo')) === message);
  }
  echo.socket.send(new Uint8Array(3000).fill(7));
  result.echo.push((await echo.next('a binary echo')) === 'binary:' + new Array(3000).fill(7).join(','));
  echo.socket.close();

  const room = '/relay/deflate-' + Math.random().toString(36).slice(2);
  const a = open(room);
  const b = open(room);
  await Promise.all([a.opened, b.opened]);
  result.extensions.relay = [a.socket.extensions, b.socket.extensions];
  // Both must be members before the first message: the room's own count says so.
  for (let tries = 0; ; tries += 1) {
    const info = await (await fetch(location.origin + room)).json();
    if (info.peers === 2) break;
    if (tries > 200) throw new Error('the room never had both peers: ' + JSON.stringify(info));
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  a.socket.send('hello b');
  result.relay.push(await b.next('a relayed message'));
  a.socket.send(big);
  result.relay.push((await b.next('a big relayed message')) === big);
  b.socket.send(big + '!');
  result.relay.push((await a.next('a big relayed message back')) === big + '!');
  a.socket.close();
  b.socket.close();
  return result;
})()`;

const expected = {
  conversation: ['Hello webSocket', 'I heard you say "I am listening"', true],
  echo: [true, true, true, true],
  relay: ['hello b', true, true],
};

for (const [name, launch] of Object.entries(browsers)) {
  for (const deflate of [true, false]) {
    test(`${name}: permessage-deflate ${deflate ? 'negotiated' : 'refused (--no-deflate)'}; conversation, echo and relay work`, {
      timeout: 60_000,
    }, async () => {
      const server = await startServer({ www: pages, args: deflate ? [] : ['--no-deflate'] });
      const page = await launch(`${server.origin}/blank.html`);
      try {
        const seen = await page.evaluate(exchange);
        const { extensions } = seen;
        const all = [extensions.conversation, extensions.echo, ...extensions.relay];
        for (const agreed of all) {
          if (deflate) {
            assert.match(agreed, /^permessage-deflate\b/, `negotiated: ${JSON.stringify(extensions)}`);
            if (name === 'chromium') {
              // The server keeps no deflate state between messages (bounded memory per
              // peer). Chromium shows the agreed parameters; Firefox shows only the name.
              assert.match(agreed, /server_no_context_takeover/, agreed);
              assert.match(agreed, /client_no_context_takeover/, agreed);
            }
          } else {
            assert.equal(agreed, '', `nothing negotiated with --no-deflate: ${JSON.stringify(extensions)}`);
          }
        }
        assert.ok(seen.bigLength > 1024, 'the big message is over the threshold');
        assert.deepEqual(seen.conversation, expected.conversation);
        assert.deepEqual(seen.echo, expected.echo);
        assert.deepEqual(seen.relay, expected.relay);
        assert.deepEqual(page.problems, []);
      } finally {
        await page.close();
        await server.stop();
      }
    });
  }
}
