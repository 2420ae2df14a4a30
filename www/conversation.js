// The conversation panel: the original exchange through DuplexSocket, with round-trip times,
// the state badge, the queued bytes and the robustness controls (the session stream is in
// session.js).
import { DuplexSocket } from '/pkg/index.js';
import { sessionStream } from './session.js';
import { hex, logLine, showError } from './view.js';

const $ = (id) => document.getElementById(id);
const STATES = ['connecting', 'open', 'closing', 'closed'];
const REPLY = /^I heard you say "(.*)"$/s;

export function startConversation() {
  const log = $('log');
  const state = $('state');
  const queued = $('queued');
  const errorBox = $('error');
  const stream = sessionStream({ log, errorBox });
  let socket;
  // What was sent and not answered yet, oldest first, for the round-trip times.
  let pendingText = [];
  let pendingBinary = [];

  const setState = (name, text = name) => {
    state.dataset.state = name;
    state.textContent = text;
  };
  const showQueued = () => {
    queued.textContent = socket ? `${socket.queuedAmount} bytes` : '0 bytes';
  };

  function options() {
    return {
      reconnect: $('reconnect').checked ? { minDelayMs: 1000, maxDelayMs: 8000 } : false,
      // The server answers every text, the heartbeat too: `reply` names that answer, so it is
      // not dispatched as a message (and does not fill the log every 5 s).
      ...($('heartbeat').checked
        ? { heartbeat: { intervalMs: 5000, timeoutMs: 15000, message: 'ping', reply: 'I heard you say "ping"' } }
        : {}),
      ...($('session').checked ? { session: true } : {}),
    };
  }

  function received(data) {
    if (stream.received(data)) return;
    if (typeof data !== 'string') {
      const sent = pendingBinary.shift();
      logLine(log, 'received', `binary ${hex(data)}`, sent && performance.now() - sent);
      return;
    }
    const echo = REPLY.exec(data);
    const index = echo ? pendingText.findIndex((p) => p.text === echo[1]) : -1;
    const rtt = index >= 0 ? performance.now() - pendingText.splice(index, 1)[0].at : undefined;
    logLine(log, 'received', data, rtt);
  }

  function connect() {
    showError(errorBox, null);
    pendingText = [];
    pendingBinary = [];
    socket = new DuplexSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`, options());
    const mine = socket;
    $('session-controls').hidden = !$('session').checked;
    stream.attach(socket);
    setState('connecting');
    socket.onopen = () => {
      showError(errorBox, null); // what ended the last connection is in the log
      setState('open');
      showQueued();
      logLine(log, 'open', 'connected');
    };
    socket.onmessage = (event) => received(event.data);
    socket.onerror = (event) => {
      if (mine !== socket) return;
      showError(errorBox, event.error);
      logLine(log, 'error', `${event.error.code}: ${event.error.message}`);
    };
    // In a session a reconnect gives `resumed`, not `open`.
    socket.addEventListener('resumed', (event) => { if (!event.error) showError(errorBox, null); });
    socket.onreconnecting = ({ attempt, delayMs }) => {
      setState('reconnecting', `reconnecting (attempt ${attempt}, in ${delayMs} ms)`);
      logLine(log, 'reconnecting', `attempt ${attempt} in ${delayMs} ms; what you send now is queued`);
    };
    socket.onclose = ({ code, reason }) => {
      if (mine === socket) setState('closed', `closed (${code}${reason ? `: ${reason}` : ''})`);
      showQueued();
    };
  }

  function send(data, shown) {
    try {
      socket.send(data);
      logLine(log, 'sent', shown);
      showQueued();
      return true;
    } catch (error) {
      showError(errorBox, error);
      return false;
    }
  }

  $('send-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('message').value;
    if (send(text, text)) {
      pendingText.push({ text, at: performance.now() });
      $('message').value = '';
    }
  });
  $('send-binary').addEventListener('click', () => {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    if (send(bytes, `binary ${hex(bytes)}`)) pendingBinary.push(performance.now());
  });
  $('drop').addEventListener('click', () => {
    // A test hook of duplex-server (on under `npm start`): it drops the TCP connection
    // without a close frame, as a flaky network would. A session's stream sends it itself,
    // between two of its messages.
    if (stream.dropMidStream()) return;
    send('hook:drop', 'hook:drop (asks the server to drop the connection)');
  });
  $('close-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const code = Number($('close-code').value);
    const reason = $('close-reason').value;
    try {
      socket.close(code, reason || undefined);
      showError(errorBox, null);
    } catch (error) {
      showError(errorBox, error); // e.g. INVALID_CLOSE_CODE for 1001
    }
  });
  const reopen = () => {
    socket?.close();
    connect();
  };
  $('reopen').addEventListener('click', reopen);
  $('reconnect').addEventListener('change', reopen);
  $('heartbeat').addEventListener('change', reopen);
  $('session').addEventListener('change', reopen);
  setInterval(showQueued, 250);

  connect();
  // The original snippet: sent before the socket is open, queued, flushed on open.
  send('I am listening', 'I am listening');
  pendingText.push({ text: 'I am listening', at: performance.now() });
  showQueued();
}
