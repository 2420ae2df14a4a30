// Listeners as API.md allows them, checked by `tsc --noEmit` with the typed example (not part
// of the Vite build): an object with `handleEvent` gets the typed event, `this` in a function
// listener is the socket, and a type of the app's own is allowed (with a plain Event). The
// state constants are on the socket too, as on a WebSocket.
import { DuplexSocket, type DuplexMessageEvent } from 'duplex-ws';

export function listen(socket: DuplexSocket, show: (text: string) => void): void {
  socket.addEventListener('message', {
    handleEvent(event: DuplexMessageEvent) {
      show(typeof event.data === 'string' ? event.data : '(binary)');
    },
  });
  socket.addEventListener('close', function (event) {
    show(`${this.url} closed with ${event.code}`);
  }, { once: true });
  const custom = (event: Event) => show(event.type);
  socket.addEventListener('app-ready', custom);
  socket.dispatchEvent(new Event('app-ready'));
  socket.removeEventListener('app-ready', custom);
  if (socket.readyState === socket.OPEN) show('open');
}
