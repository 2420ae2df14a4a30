// Small helpers that put things on the page.

/** Appends a log line: time, kind (sent/received/...), text and an optional round trip. */
export function logLine(list, kind, text, rttMs) {
  const item = document.createElement('li');
  const time = document.createElement('time');
  const now = new Date();
  time.dateTime = now.toISOString();
  time.textContent = now.toLocaleTimeString();
  const label = document.createElement('span');
  label.className = 'kind';
  label.textContent = ` ${kind}: `;
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  item.dataset.kind = kind;
  item.append(time, label, body);
  if (rttMs !== undefined) {
    const rtt = document.createElement('span');
    rtt.className = 'rtt';
    rtt.textContent = ` (${rttMs.toFixed(1)} ms round trip)`;
    item.append(rtt);
  }
  list.append(item);
  item.scrollIntoView({ block: 'nearest' });
}

/** Bytes as hex, e.g. `de ad be ef`. */
export function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Shows an error (a DuplexError has a code) in the alert box, or hides it. */
export function showError(box, error) {
  if (!error) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  box.hidden = false;
  box.textContent = error.code ? `${error.code}: ${error.message}` : String(error);
}
