// `init` (tests/node/runtimes.test.mjs): a socket made before it is refused with a code; a
// first call that failed is tried again; and once the wasm is loaded, later calls (with or
// without an argument, and `initSync`) change nothing: the socket made before them still
// sends and receives. (They used to load a second engine, and its sends then went nowhere.)
import './ws-global.js';
import { readFileSync } from 'node:fs';
import init, { DuplexSocket, initSync } from 'duplex-ws';

try {
  new DuplexSocket(process.env.SERVER_URL);
} catch (error) {
  console.log('before init: ', error.code);
}
const bytes = readFileSync(new URL(import.meta.resolve('duplex-ws/duplex_ws_bg.wasm')));
await init({ module_or_path: Promise.reject(new Error('no wasm here')) })
  .catch((error) => console.log('first init: ', error.message));
await init({ module_or_path: bytes });

const socket = new DuplexSocket(process.env.SERVER_URL);
const next = () => new Promise((resolve) => {
  socket.addEventListener('message', (event) => resolve(event.data), { once: true });
});
console.log('received: ', await next());

await init();
await init({ module_or_path: 'not-a-wasm.wasm' });
initSync({ module: bytes });
console.log('after init again: ', socket.readyState);
socket.send('still here');
console.log('received: ', await next());
socket.onclose = (event) => console.log('closed: ', event.code, event.reason, event.wasClean);
socket.close(1000, 'done');
