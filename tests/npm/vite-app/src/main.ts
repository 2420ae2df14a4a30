// The typed example: checked by `tsc --noEmit`, built by Vite, and run in Chromium by
// tests/node/npm-package.test.mjs. The README's TypeScript example is this file.
import init, {
  DuplexSocket,
  type DuplexCloseInfo,
  type DuplexError,
  type DuplexMessageEvent,
  type DuplexSocketOptions,
} from 'duplex-ws';

const log = document.getElementById('log')!;
const state = document.getElementById('state')!;

function show(text: string): void {
  const item = document.createElement('li');
  item.textContent = text;
  log.append(item);
}

await init();

const options: DuplexSocketOptions = {
  connectTimeoutMs: 5000,
  reconnect: { minDelayMs: 250, maxDelayMs: 10_000, finalCodes: [4000] },
  heartbeat: { intervalMs: 15_000, timeoutMs: 45_000, message: 'ping' },
  queue: { maxMessages: 100, overflow: 'drop-oldest' },
};
const socket = new DuplexSocket(`ws://${location.host}/`, options);

socket.onmessage = (event: DuplexMessageEvent) => {
  const data: string | ArrayBuffer | Blob = event.data;
  show(typeof data === 'string' ? `received: ${data}` : 'received: (binary)');
};
socket.addEventListener('reconnecting', ({ attempt, delayMs }) => {
  state.textContent = `reconnecting (attempt ${attempt} in ${delayMs} ms)`;
});
socket.addEventListener('error', (event) => {
  const error: DuplexError = event.error;
  show(`error ${error.code}: ${error.message}`);
});

socket.send('I am listening'); // before open: queued, flushed on open
await socket.opened;
state.textContent = socket.readyState === DuplexSocket.OPEN ? 'open' : 'not open';

try {
  socket.close(1001); // not a code a client may send
} catch (thrown) {
  show(`refused: ${(thrown as DuplexError).code}`);
}

socket.closed.then(({ code, wasClean }: DuplexCloseInfo) => {
  state.textContent = `closed (${code}, ${wasClean ? 'clean' : 'not clean'})`;
});
