// Reads the constructor's options: each value's type and range here, naming any bad key or
// value (INVALID_OPTION); the engine gets the values (`dx_option`) and checks the protocols'
// names and the rules between values (whose defaults it keeps) when the socket is made. What
// only the JS side uses (binaryType, highWaterMark, the heartbeat's texts, the app's
// functions) stays here.
import { args, engine, made } from './core.js';

const typeOf = (value) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
const invalid = (name, problem) => made(0, name, problem);

/** `n` as the engine writes numbers in messages: up to six decimals. */
export function displayNumber(n) {
  return Number.isFinite(n) ? String(Math.round(n * 1e6) / 1e6) : String(n);
}

/** A description of any value, for messages: `number 5`, `object Foo`, `undefined`. */
export function describe(value) {
  if (value === null) return 'null';
  if (typeof value === 'number') return `number ${displayNumber(value)}`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  return `${typeof value} ${value.constructor?.name ?? ''}`.trimEnd();
}

/** The defined properties of object `value` (option `name`), refusing keys not in `known`. */
function entries(value, name, known) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(name, `must be an object, not ${typeOf(value)}`);
  }
  const found = [];
  for (const key of Object.keys(value)) {
    if (value[key] === undefined) continue;
    if (!known.includes(key)) {
      throw invalid(name === 'options' ? key : `${name}.${key}`,
        `is not an option (known here: ${known.join(', ')})`);
    }
    found.push([key, value[key], name === 'options' ? key : `${name}.${key}`]);
  }
  return found;
}

/** A check that option values are of JS type `type` (number, string, function). */
const typed = (type) => (name, value) => {
  if (typeof value !== type) throw invalid(name, `must be a ${type}, not ${typeOf(value)}`);
  return value;
};
const number = typed('number');
const string = typed('string');
const func = typed('function');

/** A whole number from `min` to `max`; Infinity reads as `max` when `infiniteOk`. */
function whole(name, value, max = 4294967295, infiniteOk = false, min = 0) {
  number(name, value);
  if (infiniteOk && value === Infinity) return max;
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    const range = `${min} to ${displayNumber(max)}${infiniteOk ? ', or Infinity' : ''}`;
    throw invalid(name, `${displayNumber(value)} is not a whole number from ${range}`);
  }
  return value;
}

const size = (name, value) => whole(name, value, 9007199254740991, true);
/** A whole number of milliseconds of at least 1 (connectTimeoutMs, heartbeat.intervalMs). */
const positive = (name, value) => whole(name, value, 4294967295, false, 1);

/** Protocols as the option or a provider gives them: a string or an array of strings. */
export function readProtocols(value, fail = invalid) {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) {
    throw fail('protocols', `must be a string or an array of strings, not ${typeOf(value)}`);
  }
  return value.map((item, i) => {
    if (typeof item !== 'string') throw fail(`protocols[${i}]`, `must be a string, not ${typeOf(item)}`);
    return item;
  });
}

/** Option `name`: `either` or `or`. */
function oneOf(name, value, either, or) {
  if (value === either || value === or) return value;
  const given = typeof value === 'string' ? value : describe(value);
  throw invalid(name, `"${given}" is neither "${either}" nor "${or}"`);
}

/** `binaryType`: 'arraybuffer' or 'blob'. */
export const readBinaryType = (value) => oneOf('binaryType', value, 'arraybuffer', 'blob');

const set = (key, value) => engine().dx_option(key, value);

/** Engine keys of each nested option (core-wasm/src/exports.rs, `dx_option`). */
const reconnectKeys = { minDelayMs: 10, maxDelayMs: 11, maxRetries: 13, minUptimeMs: 15 };
const heartbeatKeys = { intervalMs: 20, timeoutMs: 21 };
const sessionKeys = { ackEvery: 30, ackDelayMs: 31 };

/** Reads `options` (undefined or null: the defaults), handing the engine its part. */
export function readOptions(options) {
  const own = { binaryType: 'arraybuffer', highWaterMark: 1 << 20, protocols: [], session: false };
  set(0, 0);
  if (options === undefined || options === null) return own;
  const known = ['lifecycle', 'protocols', 'binaryType', 'connectTimeoutMs', 'reconnect',
    'heartbeat', 'queue', 'highWaterMark', 'session'];
  for (const [key, value] of entries(options, 'options', known)) {
    if (key === 'protocols') {
      if (typeof value === 'function') own.protocolsProvider = value;
      else for (const protocol of (own.protocols = readProtocols(value))) {
        args(protocol);
        engine().dx_option_text(0);
      }
    } else if (key === 'lifecycle') {
      if (typeof value !== 'boolean') throw invalid('lifecycle', `must be true or false, not ${typeOf(value)}`);
      set(6, Number(value));
    } else if (key === 'binaryType') own.binaryType = readBinaryType(string('binaryType', value));
    else if (key === 'connectTimeoutMs') set(1, positive(key, value));
    else if (key === 'highWaterMark') own.highWaterMark = size(key, value);
    else if (key === 'reconnect') readReconnect(value, own);
    else if (key === 'heartbeat') readHeartbeat(value, own);
    else if (key === 'queue') readQueue(value);
    else readSession(value, own);
  }
  return own;
}

function readReconnect(value, own) {
  set(2, 1);
  if (typeof value === 'boolean') return set(2, Number(value));
  const known = ['minDelayMs', 'maxDelayMs', 'factor', 'maxRetries', 'finalCodes', 'minUptimeMs',
    'shouldReconnect'];
  for (const [key, item, name] of entries(value, 'reconnect', known)) {
    if (key === 'factor') {
      if (!(Number.isFinite(number(name, item)) && item >= 1)) {
        throw invalid(name, `${displayNumber(item)} is not a finite number of at least 1`);
      }
      set(12, item);
    } else if (key === 'shouldReconnect') {
      own.shouldReconnect = func(name, item);
      set(16, 1);
    } else if (key === 'finalCodes') {
      if (!Array.isArray(item)) throw invalid(name, `must be an array of close codes, not ${typeOf(item)}`);
      item.forEach((code, i) => set(14, whole(`${name}[${i}]`, code, 4999, false, 1000)));
    } else set(reconnectKeys[key], whole(name, item, 4294967295, key === 'maxRetries'));
  }
}

function readHeartbeat(value, own) {
  set(7, 1);
  own.heartbeat = { message: 'ping', reply: null };
  for (const [key, item, name] of entries(value, 'heartbeat', ['intervalMs', 'timeoutMs', 'message', 'reply'])) {
    if (key in heartbeatKeys) set(heartbeatKeys[key], key === 'intervalMs' ? positive(name, item) : whole(name, item));
    else own.heartbeat[key] = string(name, item);
  }
}

function readQueue(value) {
  for (const [key, item, name] of entries(value, 'queue', ['maxBytes', 'maxMessages', 'overflow'])) {
    if (key === 'overflow') set(5, +(oneOf(name, string(name, item), 'error', 'drop-oldest') !== 'error'));
    else set(key === 'maxBytes' ? 3 : 4, size(name, item));
  }
}

function readSession(value, own) {
  own.session = value !== false;
  set(8, Number(own.session));
  if (typeof value === 'boolean') return;
  for (const [key, item, name] of entries(value, 'session', ['ackEvery', 'ackDelayMs'])) {
    // The protocol's bounds: ackEvery 1-1024, ackDelayMs 0-1000.
    set(sessionKeys[key], key === 'ackEvery' ? whole(name, item, 1024, false, 1) : whole(name, item, 1000));
  }
}
