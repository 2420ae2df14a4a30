// Node.js 20 has no WebSocket of its own (22 and later do): ws stands in, as README.md shows.
// A ws socket throws an 'error' event no listener takes, so this one takes it (the close that
// follows says it all). Imported for its effect by the Node.js scripts and tests that run the
// package; tests/npm/node/main.js keeps README.md's lines inline, as a reader copies them.
import { WebSocket } from 'ws';

globalThis.WebSocket ??= class extends WebSocket {
  constructor(...args) {
    super(...args);
    this.on('error', () => {});
  }
};
