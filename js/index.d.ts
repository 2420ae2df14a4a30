// The types of the package entry (js/index.js): DuplexSocket, its options, events and error
// codes, and init. tests/node/npm-package.test.mjs checks a typed example against them with
// `tsc --noEmit` and runs it, so they cannot drift from what the class does.

/** The stable codes on every `Error` that duplex-ws throws, rejects with or reports. */
export type DuplexErrorCode =
  | 'INVALID_URL'
  | 'INVALID_CLOSE_CODE'
  | 'INVALID_CLOSE_REASON'
  | 'INVALID_OPTION'
  | 'INVALID_DATA'
  | 'QUEUE_FULL'
  | 'CLOSED'
  | 'CONNECT_TIMEOUT'
  | 'CONNECTION_FAILED'
  | 'CONNECTION_LOST'
  | 'HEARTBEAT_TIMEOUT'
  | 'SESSION_LOST'
  /** `new DuplexSocket` before `await init()` has loaded the wasm. */
  | 'NOT_INITIALIZED'
  /** The runtime lacks what the package needs: a global `WebSocket`, or for `init()` with no
   * argument, `DecompressionStream`. */
  | 'UNSUPPORTED_RUNTIME';

/** An `Error` from duplex-ws: `message` names the value and the rule it broke. */
export interface DuplexError extends Error {
  readonly code: DuplexErrorCode;
}

/** Reconnect with exponential backoff and full jitter on every attempt. */
export interface ReconnectOptions {
  /** The first attempt's delay ceiling, in ms; each further attempt multiplies it by `factor`. Default 500. */
  minDelayMs?: number;
  /** No delay is longer. Default 30000. */
  maxDelayMs?: number;
  /** Growth of the delay ceiling per attempt, at least 1. Default 2. */
  factor?: number;
  /** Attempts in a row without an open before giving up. Default Infinity. */
  maxRetries?: number;
  /** Server close codes that end the socket for good. Default none. */
  finalCodes?: number[];
  /** The backoff starts over only after a connection stayed open this long, in ms. Default 5000. */
  minUptimeMs?: number;
  /** The last word on each reconnect the policy allows; false closes for good. */
  shouldReconnect?: (context: DuplexAttemptContext) => boolean;
}

/** What each attempt's providers and `shouldReconnect` are told. */
export interface DuplexAttemptContext {
  /** 0 for the first connection, then 1, 2, ... for the attempts after a loss. */
  readonly attempt: number;
  /** How the last connection ended, or null. */
  readonly lastClose: DuplexCloseInfo | null;
  /** The error that ended it, or null. */
  readonly lastError: DuplexError | null;
}

/** Where to connect, per attempt: a URL, or a function giving one (or a promise of one). A
 * relative URL (`'/echo'`) is resolved against the page's base URL (a worker's location), as a
 * `WebSocket` resolves it; in Node.js it must be absolute. */
export type DuplexUrl = string | URL | ((context: DuplexAttemptContext) => string | Promise<string>);

/** Subprotocols, per attempt: fixed, or a function giving them (or a promise of them). */
export type DuplexProtocols =
  | string
  | string[]
  | ((context: DuplexAttemptContext) => string | string[] | Promise<string | string[]>);

/** Send `message` every `intervalMs`; nothing received within `timeoutMs` is a dead connection. */
export interface HeartbeatOptions {
  /** Default 30000. */
  intervalMs?: number;
  /** Greater than `intervalMs`. Default 60000. */
  timeoutMs?: number;
  /** Default 'ping'. */
  message?: string;
  /** The server's fixed answer to the heartbeat: incoming messages equal to it are not dispatched. */
  reply?: string;
}

/** Bounds of the queue used while connecting and reconnecting. */
export interface QueueOptions {
  /** UTF-8 bytes for text. Default 1048576. */
  maxBytes?: number;
  /** Default 10000. */
  maxMessages?: number;
  /** At a bound: throw QUEUE_FULL (default), or drop the oldest and report it in an error event. */
  overflow?: 'error' | 'drop-oldest';
}

/** How a session acknowledges what it receives (docs/protocol.md). */
export interface SessionOptions {
  /** Ack at the latest after this many messages (1-1024). Default 64. */
  ackEvery?: number;
  /** Ack at the latest this long after the first unacknowledged message (0-1000). Default 50. */
  ackDelayMs?: number;
}

/** The session the server granted. */
export interface DuplexSession {
  readonly id: string;
  /** How many times it was resumed after a reconnect. */
  readonly resumes: number;
}

/** The options of `new DuplexSocket(url, options)`; all optional. */
export interface DuplexSocketOptions {
  protocols?: DuplexProtocols;
  /** Let the page's lifecycle steer reconnects (offline pauses; online, visible, pageshow and a wake try at once). Default: on with reconnect. */
  lifecycle?: boolean;
  /** How binary messages arrive. Default 'arraybuffer'. */
  binaryType?: 'arraybuffer' | 'blob';
  /** Give up an attempt that has not opened by then (CONNECT_TIMEOUT). */
  connectTimeoutMs?: number;
  /** Off by default; `true` takes the defaults of ReconnectOptions. */
  reconnect?: boolean | ReconnectOptions;
  heartbeat?: HeartbeatOptions;
  queue?: QueueOptions;
  /** sendAsync resolves once bufferedAmount is at most this many bytes. Default 1048576. */
  highWaterMark?: number;
  /** Offer a session (subprotocol duplex.v1): nothing lost across reconnects, either way. Default false. */
  session?: boolean | SessionOptions;
}

/** What `send` and `sendAsync` take. */
export type DuplexSendData = string | ArrayBuffer | ArrayBufferView | Blob;

/** A `message` event: a `MessageEvent` whose `data` is the browser's own value, untouched. */
export type DuplexMessageEvent = MessageEvent<string | ArrayBuffer | Blob>;

/** An `error` event: `error` says what happened. */
export interface DuplexErrorEvent extends Event {
  readonly error: DuplexError;
  readonly message: string;
}

/** The `close` event, once, when the socket is closed for good. */
export interface DuplexCloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** A `reconnecting` event, before each attempt. */
export interface DuplexReconnectingEvent extends Event {
  /** 1 for the first attempt after a loss. */
  readonly attempt: number;
  readonly delayMs: number;
  /** How the last connection ended. */
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  /** The error that ended it, or null. */
  readonly error: DuplexError | null;
}

/** A `resumed` event, after each reconnect of a session, once the server answered. */
export interface DuplexResumedEvent extends Event {
  /** false: the server no longer knew the session; what it had not delivered may be gone. */
  readonly recovered: boolean;
  /** Messages sent again that the server had not received. */
  readonly resent: number;
  /** Messages the server replayed that had not arrived. */
  readonly replayed: number;
  /** SESSION_LOST when not recovered, else null. */
  readonly error: DuplexError | null;
}

/** What the `closed` promise resolves to. */
export interface DuplexCloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** The events of a DuplexSocket, by type. */
export interface DuplexSocketEventMap {
  open: Event;
  message: DuplexMessageEvent;
  error: DuplexErrorEvent;
  close: DuplexCloseEvent;
  reconnecting: DuplexReconnectingEvent;
  resumed: DuplexResumedEvent;
}

/** A listener of a DuplexSocket event: a function (`this` is the socket) or an object with
 * `handleEvent`. */
export type DuplexListener<E extends Event> =
  | ((this: DuplexSocket, event: E) => void)
  | { handleEvent(event: E): void };

/** 0 connecting (also while waiting to reconnect), 1 open, 2 closing, 3 closed. */
export type DuplexReadyState = 0 | 1 | 2 | 3;

/**
 * A dependable browser WebSocket: send before open, reconnect with backoff, a bounded send
 * queue that loses nothing silently, heartbeats, typed errors, backpressure.
 */
export class DuplexSocket extends EventTarget {
  /** Throws a DuplexError (INVALID_URL, INVALID_OPTION) naming the value and the rule. */
  constructor(url: DuplexUrl, options?: DuplexSocketOptions);
  /** Connect again now: skips a backoff wait, replaces an open connection, reopens a closed socket. */
  reconnect(): void;
  /** How binary messages arrive; settable, like the browser's. */
  binaryType: 'arraybuffer' | 'blob';
  /** Queued while connecting or reconnecting, sent at once while open; throws CLOSED, QUEUE_FULL, INVALID_DATA. */
  send(data: DuplexSendData): void;
  /** Sends, then resolves once bufferedAmount is at most the high-water mark (in a session: once the server acknowledged it). */
  sendAsync(data: DuplexSendData): Promise<void>;
  /** code: 1000 or 3000-4999; reason: at most 123 UTF-8 bytes, needs a code. */
  close(code?: number, reason?: string): void;
  /** The first open; rejects with the DuplexError if it never opens. */
  readonly opened: Promise<void>;
  /** Closed for good. */
  readonly closed: Promise<DuplexCloseInfo>;
  readonly readyState: DuplexReadyState;
  readonly bufferedAmount: number;
  readonly queuedAmount: number;
  /** In a session: bytes sent and not yet acknowledged by the server. */
  readonly unackedAmount: number;
  /** The session the server granted, or null (plain mode). */
  readonly session: DuplexSession | null;
  readonly protocol: string;
  readonly extensions: string;
  readonly url: string;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: DuplexMessageEvent) => void) | null;
  onerror: ((event: DuplexErrorEvent) => void) | null;
  onclose: ((event: DuplexCloseEvent) => void) | null;
  onreconnecting: ((event: DuplexReconnectingEvent) => void) | null;
  onresumed: ((event: DuplexResumedEvent) => void) | null;
  /** The socket's own event types give their listeners the typed event (a function, or an
   * object with `handleEvent`); any other type is allowed, as on every EventTarget, with a
   * plain `Event` (events the app dispatches itself). */
  addEventListener<K extends keyof DuplexSocketEventMap>(type: K, listener: DuplexListener<DuplexSocketEventMap[K]>, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof DuplexSocketEventMap>(type: K, listener: DuplexListener<DuplexSocketEventMap[K]>, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  /** The same constants on every socket, as on a `WebSocket`: `socket.readyState === socket.OPEN`. */
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
}

/** What `init` and `initSync` take: the wasm from elsewhere than the inlined copy. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Loads the wasm; await it once before `new DuplexSocket(...)`. With no argument it finds the
 * wasm by itself (in a page, a Worker, Node.js, Deno, Bun, and after any bundler). It loads
 * once: later calls, with or without an argument, return the first call's promise (unless that
 * failed), so sockets already made keep working. `module_or_path` loads it from elsewhere
 * instead: a URL, a `Response`, bytes or a `WebAssembly.Module`.
 */
export default function init(options?: { module_or_path: InitInput | Promise<InitInput> }): Promise<void>;

/** Loads the wasm at once from bytes or a `WebAssembly.Module` the caller has; does nothing
 * once the wasm is loaded. */
export function initSync(options: { module: BufferSource | WebAssembly.Module }): void;
