// The relay chat panel: a DuplexSocket on /relay/{room}; messages go to the other peers.
import { DuplexSocket } from '/pkg/index.js';
import { logLine } from './view.js';

const $ = (id) => document.getElementById(id);

export function startRelay() {
  const log = $('chat-log');
  const peers = $('peers');
  const input = $('chat-message');
  const sendButton = $('chat-form').querySelector('button');
  let socket;
  let room;
  let poll;

  async function showPeers() {
    // A plain GET of the relay path answers with the room's peer count.
    try {
      const response = await fetch(`/relay/${encodeURIComponent(room)}`);
      const { peers: count } = await response.json();
      peers.textContent = `${count} (you included)`;
    } catch {
      peers.textContent = 'unknown';
    }
  }

  $('room-form').addEventListener('submit', (event) => {
    event.preventDefault();
    socket?.close();
    clearInterval(poll);
    room = $('room').value;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/relay/${encodeURIComponent(room)}`;
    socket = new DuplexSocket(url, { reconnect: { minDelayMs: 500, maxDelayMs: 5000 } });
    socket.onmessage = (event) => logLine(log, `peer in ${room}`, String(event.data));
    socket.onopen = () => { showPeers(); logLine(log, 'joined', room); };
    socket.onerror = (event) => logLine(log, 'error', `${event.error.code}: ${event.error.message}`);
    input.disabled = false;
    sendButton.disabled = false;
    poll = setInterval(showPeers, 1000);
  });

  $('chat-form').addEventListener('submit', (event) => {
    event.preventDefault();
    try {
      socket.send(input.value);
      logLine(log, 'you', input.value);
      input.value = '';
    } catch (error) {
      logLine(log, 'error', `${error.code}: ${error.message}`);
    }
  });
}
