// The demo page: loads duplex-ws and starts both panels.
import init from '/pkg/duplex_ws.js';
import { startConversation } from './conversation.js';
import { startRelay } from './relay.js';

await init();
startConversation();
startRelay();
