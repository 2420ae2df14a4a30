// The original's server side, for the benchmarks: Node `ws` 8 with the same endpoints as
// duplex-server's /echo and /relay/{room}, written the idiomatic ws way (one WebSocketServer
// in noServer mode, routing on the HTTP upgrade; rooms as Sets of sockets).
//
//   node bench/node/ws-server.mjs --port 0   # first line: ws-server listening on http://HOST:PORT
//   node bench/node/ws-server.mjs --port 0 --deflate   # permessage-deflate on (ws's defaults:
//                                                      # threshold 1024 B, context kept)
import http from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const host = option('host', '127.0.0.1');
const deflate = process.argv.includes('--deflate');
const port = Number(option('port', '9902'));
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`ws-server: --port must be 0 to 65535, not ${option('port')}`);
  process.exit(2);
}

/** Room name -> the sockets in it; a room exists while it has members. */
const rooms = new Map();

function echo(socket) {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
}

function relay(socket, name) {
  let room = rooms.get(name);
  if (!room) {
    room = new Set();
    rooms.set(name, room);
  }
  room.add(socket);
  socket.on('message', (data, isBinary) => {
    for (const peer of room) {
      if (peer !== socket && peer.readyState === WebSocket.OPEN) {
        peer.send(data, { binary: isBinary });
      }
    }
  });
  socket.on('close', () => {
    room.delete(socket);
    if (room.size === 0) rooms.delete(name);
  });
}

// perMessageDeflate `true` is ws's own default configuration of it (off unless asked for).
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: deflate });
const server = http.createServer((request, response) => {
  response.writeHead(404).end('not found\n');
});

server.on('upgrade', (request, tcp, head) => {
  const { pathname } = new URL(request.url, 'http://localhost');
  const match = /^\/relay(?:\/([^/]{1,128}))?$/.exec(pathname);
  if (pathname !== '/echo' && !match) {
    tcp.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(request, tcp, head, (socket) => {
    // A peer that resets the connection is its own business; without a listener ws throws.
    socket.on('error', () => {});
    if (match) relay(socket, decodeURIComponent(match[1] ?? 'default'));
    else echo(socket);
  });
});

server.listen(port, host, () => {
  const { address, port: bound } = server.address();
  console.log(`ws-server listening on http://${address}:${bound}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
