// Starts the real duplex-server on a free port for a Node test, and stops it afterwards.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The binary scripts/test.sh built once for the whole run. */
const binary = process.env.DUPLEX_SERVER_BIN ?? path.join(root, 'target/debug/duplex-server');

/**
 * Runs `duplex-server --port <port>` (default 0: a free one) serving `www` (default: the demo
 * page) and the built package, with `args` besides; resolves to { origin, port, wsUrl, stop }
 * once it printed its address. `stop(signal)` sends SIGTERM (a graceful shutdown) unless told
 * another signal, e.g. SIGKILL for a crash.
 */
export function startServer({ www = path.join(root, 'www'), args = [], port = 0 } = {}) {
  const child = spawn(binary, ['--port', String(port), '--www', www, '--pkg', path.join(root, 'pkg'), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      const match = /^duplex-server listening on (http:\/\/\S+)$/.exec(line);
      if (!match) {
        reject(new Error(`unexpected first line from duplex-server: ${line}`));
        return;
      }
      resolve({
        origin: match[1],
        port: Number(new URL(match[1]).port),
        wsUrl: (pathname = '/') => match[1].replace(/^http/, 'ws') + pathname,
        stop: (signal = 'SIGTERM') => new Promise((done) => {
          // Stopping one that already ended (a crash, a second stop) is done at once.
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', done);
          child.kill(signal);
        }),
      });
    });
    child.once('exit', (code) => reject(new Error(`duplex-server exited with ${code}: ${stderr}`)));
    child.once('error', reject);
  });
}
