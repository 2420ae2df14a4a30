// A deliberately wrong use: tsc must refuse it (tests/node/npm-package.test.mjs checks that
// it fails, and on these lines). A misspelt event type is allowed, as on every EventTarget,
// but its listener gets a plain Event: reading the message's data is the error.
import { DuplexSocket } from 'duplex-ws';

new DuplexSocket('ws://localhost:9900', { reconnect: { minDelayMs: 'soon' } }); // WRONG-OPTION-TYPE
new DuplexSocket('ws://localhost:9900').addEventListener('mesage', (event) => event.data); // WRONG-EVENT-TYPE
new DuplexSocket((attempt: number) => `ws://localhost:9900/?try=${attempt}`); // WRONG-PROVIDER-SIGNATURE
