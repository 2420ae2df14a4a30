// The session part of the conversation panel (shown with the Session toggle on): numbered
// messages stream to the server while its replies stream back, the connection can be dropped
// meanwhile (the panel's Drop button), and counters show what was sent, acknowledged, resent,
// replayed and received, and whether any echo is missing, came twice or out of order.
import { logLine, showError } from './view.js';

const $ = (id) => document.getElementById(id);
// The conversation's reply to a numbered message `#n`.
const NUMBERED = /^I heard you say "#(\d+)"$/;
// 5 messages every 20 ms: a steady stream both ways, enough to have some in flight at a drop.
const BURST = 5;
const EVERY_MS = 20;

/**
 * The stream and its counters. `attach(socket)` starts over with a new socket;
 * `received(data)` takes a message and says whether it was one of the stream's echoes.
 */
export function sessionStream({ log, errorBox }) {
  const button = $('stream');
  let socket;
  let timer;
  let counts;
  // The number the next echo must carry; every echo that does not is a fault.
  let expected;
  let missing;
  let repeated;
  // Whether the next burst carries `hook:drop` (see dropMidStream).
  let dropping = false;
  let drawing = false;

  const streaming = () => timer !== undefined;

  function draw() {
    drawing = false;
    for (const [name, value] of Object.entries(counts)) $(`count-${name}`).textContent = value;
    $('unacked').textContent = `${socket?.unackedAmount ?? 0} bytes`;
    const session = socket?.session;
    const open = socket?.readyState === 1;
    $('session-id').textContent = session
      ? `${session.id.slice(0, 8)}… (resumed ${session.resumes} times)`
      : open ? 'none (the server spoke plain WebSocket)' : 'none yet';
    $('stream-check').textContent = verdict();
    $('stream-check').dataset.ok = String(missing.length === 0 && repeated === 0);
  }
  // Counters change hundreds of times a second: the page shows them once per frame.
  const show = () => {
    if (drawing) return;
    drawing = true;
    requestAnimationFrame(draw);
  };

  function verdict() {
    const faults = [];
    if (missing.length > 0) faults.push(`missing ${missing.join(', ')}`);
    if (repeated > 0) faults.push(`${repeated} twice or out of order`);
    if (faults.length > 0) return `Not all there: ${faults.join('; ')}.`;
    if (counts.sent === 0) return 'Nothing sent yet.';
    const waiting = counts.sent - counts.received;
    if (waiting > 0) return `Nothing missing so far: ${counts.received} of ${counts.sent} echoed in order, ${waiting} on the way.`;
    return `Nothing missing: all ${counts.sent} messages echoed once, in order.`;
  }

  function stop() {
    clearInterval(timer);
    timer = undefined;
    button.textContent = 'Start streaming';
    button.setAttribute('aria-pressed', 'false');
  }

  function burst() {
    const mine = socket;
    for (let i = 0; i < BURST; i++) {
      if (dropping && i === 1) {
        dropping = false;
        mine.send('hook:drop');
        logLine(log, 'sent', `hook:drop after #${counts.sent - 1}, before #${counts.sent}`);
      }
      const text = `#${counts.sent}`;
      // In a session, sendAsync resolves once the server acknowledged the message.
      mine.sendAsync(text).then(() => {
        if (mine !== socket) return;
        counts.acked += 1;
        show();
      }, (error) => {
        if (mine !== socket) return;
        stop();
        showError(errorBox, error);
      });
      counts.sent += 1;
    }
    show();
  }

  // The session id, its resumes and the unacknowledged bytes change with no event of their
  // own (a welcome, an ack): they are also redrawn a few times a second.
  setInterval(show, 250);

  button.addEventListener('click', () => {
    if (streaming()) return stop();
    timer = setInterval(burst, EVERY_MS);
    button.textContent = 'Stop streaming';
    button.setAttribute('aria-pressed', 'true');
  });

  return {
    /**
     * While streaming: puts `hook:drop` in the middle of the next burst and says true. The
     * messages after it in the burst are then in flight when the server drops the connection
     * (it never reads them on that one), and the replies before it may be too.
     */
    dropMidStream() {
      if (!streaming()) return false;
      dropping = true;
      return true;
    },
    attach(newSocket) {
      stop();
      socket = newSocket;
      counts = { sent: 0, acked: 0, resent: 0, replayed: 0, received: 0 };
      expected = 0;
      dropping = false;
      missing = [];
      repeated = 0;
      const mine = socket;
      socket.addEventListener('open', show);
      socket.addEventListener('resumed', ({ recovered, resent, replayed }) => {
        if (mine !== socket) return;
        counts.resent += resent;
        counts.replayed += replayed;
        logLine(log, 'resumed', recovered
          ? `the session went on: ${resent} resent, ${replayed} replayed`
          : `the server no longer knew the session: a new one began (${resent} resent)`);
        show();
      });
      show();
    },
    received(data) {
      const echo = typeof data === 'string' && NUMBERED.exec(data);
      if (!echo) return false;
      const n = Number(echo[1]);
      counts.received += 1;
      if (n > expected) missing.push(n - 1 > expected ? `#${expected}-#${n - 1}` : `#${expected}`);
      if (n < expected) repeated += 1;
      else expected = n + 1;
      show();
      return true;
    },
  };
}
