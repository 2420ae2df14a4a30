// Drives Debian's headless Firefox ESR through geckodriver, over WebDriver's HTTP protocol:
// playwright cannot drive a stock Firefox, and these machines have no other (TOOLCHAIN.md).
// Just enough of WebDriver for the tests: open a page, run a script in it, quit.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts Firefox; resolves to `{ goto(url), evaluate(script), quit() }`. */
export async function launchFirefox() {
  const port = await freePort();
  const driver = spawn(process.env.GECKODRIVER ?? 'geckodriver', ['--port', String(port)], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const response = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    const { value } = await response.json();
    if (!response.ok) throw new Error(`WebDriver ${path}: ${value?.error}: ${value?.message}`);
    return value;
  };
  let session;
  for (let tries = 0; !session; tries += 1) {
    try {
      session = await call('POST', '/session', {
        capabilities: { alwaysMatch: { browserName: 'firefox', 'moz:firefoxOptions': {
          args: ['-headless'], binary: process.env.FIREFOX ?? '/usr/bin/firefox-esr' } } },
      });
    } catch (error) {
      // geckodriver takes a moment to listen.
      if (tries > 100 || !/fetch failed/.test(error.message)) { driver.kill(); throw error; }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const id = session.sessionId;
  return {
    goto: (url) => call('POST', `/session/${id}/url`, { url }),
    /** Runs `script` (a function body; `return` gives the result) in the page. */
    evaluate: (script) => call('POST', `/session/${id}/execute/sync`, { script, args: [] }),
    async quit() {
      await call('DELETE', `/session/${id}`).catch(() => {});
      driver.kill();
    },
  };
}
