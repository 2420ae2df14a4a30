// What a client costs the page's main thread per message, from a CPU profile of each measured
// run (run.mjs --cost). The rate of a pipelined row says little of the client on a 2-core
// machine: every Chromium process shares one core there, and how they happen to be scheduled
// moves the whole row by up to 2x (bench/misses.md); the main thread's own work does not move
// with it. Each sample of the profile (one every 50 us) is counted as:
//   script  JS and wasm: the client's and the bench loop's (bench.js: the same loop for every
//           JS client, and where reading the browser's own `event.data` is sampled for the raw
//           socket, as it is in the class's `data` getter for DuplexSocket; the Rust clients'
//           loop is in their wasm)
//   calls   the browser's built-ins called (MessageEvent, dispatchEvent, decode, ...), GC
//   send    WebSocket `send` (the same bytes for every client: the floor, not the client)
// and neither (idle) nor (program) (the event loop and IPC, which do move with scheduling).
// The profiler's sampling itself slows the row: with --cost, its msg/s are not the bench's.

/** Profiles runs on `page` (a playwright page; its frames are in the same profile). */
export async function costMeter(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
  return {
    start: () => cdp.send('Profiler.start'),
    /** Stops the profile of a run of `count` messages: microseconds per message, by kind. */
    async stop(count) {
      const { profile } = await cdp.send('Profiler.stop');
      const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
      const spent = { script_us: 0, calls_us: 0, send_us: 0 };
      profile.samples.forEach((id, i) => {
        const { functionName: name, url } = frames.get(id);
        const kind = url ? 'script_us'
          : name === 'send' ? 'send_us'
            : name === '(idle)' || name === '(program)' || name === '(root)' ? null : 'calls_us';
        if (kind) spent[kind] += profile.timeDeltas[i];
      });
      for (const kind of Object.keys(spent)) spent[kind] /= count;
      return spent;
    },
  };
}
