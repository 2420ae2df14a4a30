// A dedicated module Worker: no import map reaches a worker, so it imports the installed
// package's entry by its path.
import init, { DuplexSocket } from '/node_modules/duplex-ws/pkg/index.js';

await init();
// A relative URL, resolved against the worker's location as a WebSocket in a worker does.
const socket = new DuplexSocket('/');
socket.onmessage = (event) => postMessage(`received: ${event.data}`);
socket.send('I am listening');
