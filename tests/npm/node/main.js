// The package in Node.js, as README.md shows it: run by tests/node/runtimes.test.mjs with
// SERVER_URL set to a duplex-server, from a project that installed the packed package.
import { WebSocket } from 'ws';
import init, { DuplexSocket } from 'duplex-ws';

// Node.js 20 has no WebSocket of its own (22 and later do): ws stands in. A ws socket throws
// an 'error' event no listener takes, so this one takes it (the close that follows says it all).
globalThis.WebSocket ??= class extends WebSocket {
  constructor(...args) {
    super(...args);
    this.on('error', () => {});
  }
};

await init();
const socket = new DuplexSocket(process.env.SERVER_URL);
let received = 0;
socket.onmessage = (event) => {
  console.log('received: ', event.data);
  if (++received === 2) socket.close(1000, 'done');
};
socket.onclose = (event) => console.log('closed: ', event.code, event.reason, event.wasClean);
socket.send('I am listening');
