// A server that is not there, in Node.js 20 with ws, or with Node.js's own WebSocket (undici;
// tests/node/runtimes.test.mjs): the failure must come as an error event and a close, `opened`
// must reject, and the process must go on.
import './ws-global.js';
import init, { DuplexSocket } from 'duplex-ws';

await init();
const socket = new DuplexSocket(process.env.SERVER_URL);
socket.onerror = (event) => console.log('error: ', event.type, event.error?.code);
socket.onclose = (event) => console.log('closed: ', event.code, event.wasClean);
socket.opened.catch((error) => console.log('opened rejected: ', error.code));
socket.send('never sent');
