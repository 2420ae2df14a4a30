// The demo page: the original conversation through DuplexSocket, shown on the page.
import init, { DuplexSocket } from '/pkg/duplex_ws.js';

const log = document.getElementById('log');
const state = document.getElementById('state');
const errorBox = document.getElementById('error');
const form = document.getElementById('send-form');
const input = document.getElementById('message');

const STATES = ['connecting', 'open', 'closing', 'closed'];

function show(kind, text) {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = text;
  log.append(item);
}

function showError(error) {
  errorBox.hidden = false;
  errorBox.textContent = error.code ? `${error.code}: ${error.message}` : String(error);
}

function describe(data) {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return `${data.byteLength} bytes`;
  return String(data);
}

await init();
const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
const socket = new DuplexSocket(url);
const showState = () => { state.textContent = STATES[socket.readyState]; };
socket.onopen = showState;
socket.onmessage = (event) => show('received', describe(event.data));
socket.onerror = (event) => showError(event.error);
socket.onclose = (event) => {
  state.textContent = `closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`;
};

function send(text) {
  try {
    socket.send(text);
    show('sent', text);
  } catch (error) {
    showError(error);
  }
}

send('I am listening'); // before open: queued, flushed on open
showState();

form.addEventListener('submit', (event) => {
  event.preventDefault();
  send(input.value);
  input.value = '';
});
