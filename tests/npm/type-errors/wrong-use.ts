// A deliberately wrong use: tsc must refuse it (tests/node/npm-package.test.mjs checks that
// it fails, and on these lines).
import { DuplexSocket } from 'duplex-ws';

new DuplexSocket('ws://localhost:9900', { reconnect: { minDelayMs: 'soon' } }); // WRONG-OPTION-TYPE
new DuplexSocket('ws://localhost:9900').addEventListener('mesage', () => {}); // WRONG-EVENT-TYPE
new DuplexSocket((attempt: number) => `ws://localhost:9900/?try=${attempt}`); // WRONG-PROVIDER-SIGNATURE
