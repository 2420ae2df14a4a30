// reconnect() from the error listener of a socket that failed for good (tests/node/runtimes.test.mjs):
// the close event of that life still follows its error, but the `closed` promise taken in the
// new life waits for the new life's own close.
import './ws-global.js';
import init, { DuplexSocket } from 'duplex-ws';

await init();
const socket = new DuplexSocket(process.env.SERVER_URL);
let revived = false;
socket.onerror = (event) => {
  console.log('error: ', event.error.code);
  if (revived) return;
  revived = true;
  socket.reconnect();
  socket.closed.then((info) => console.log('second life closed: ', info.code));
};
socket.onclose = (event) => console.log('close: ', event.code);
