// Starts the real duplex-server on a free port for a Node test, and stops it afterwards.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The binary scripts/test.sh built once for the whole run. */
const binary = process.env.DUPLEX_SERVER_BIN ?? path.join(root, 'target/debug/duplex-server');

/**
 * Runs `duplex-server --port 0` serving `www` (default: the demo page) and the built package,
 * with `args` besides; resolves to { origin, wsUrl, stop } once it printed its address.
 */
export function startServer({ www = path.join(root, 'www'), args = [] } = {}) {
  const child = spawn(binary, ['--port', '0', '--www', www, '--pkg', path.join(root, 'pkg'), ...args],
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
        wsUrl: (pathname = '/') => match[1].replace(/^http/, 'ws') + pathname,
        stop: () => new Promise((done) => {
          child.once('exit', done);
          child.kill();
        }),
      });
    });
    child.once('exit', (code) => reject(new Error(`duplex-server exited with ${code}: ${stderr}`)));
    child.once('error', reject);
  });
}
