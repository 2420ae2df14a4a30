// A runtime with no global WebSocket (Node.js 20 without `ws`; tests/node/runtimes.test.mjs
// takes Node.js 22's away): the constructor says so, and does not blame the URL.
import init, { DuplexSocket } from 'duplex-ws';

delete globalThis.WebSocket;
await init();
try {
  new DuplexSocket(process.env.SERVER_URL);
  console.log('made a socket');
} catch (error) {
  console.log('thrown: ', error.code);
  console.log('message: ', error.message);
}
