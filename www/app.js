// The demo page: loads duplex-ws and starts both panels.
import init from '/pkg/index.js';
import { startConversation } from './conversation.js';
import { startRelay } from './relay.js';

await init();
startConversation();
startRelay();
