// Where each connection attempt goes, and whether to make one: the fixed URL and protocols,
// or what the app's providers give (now, or when their promises settle), and the app's
// `shouldReconnect`. The engine asks (Connect, ConsultReconnect); this answers it.
import { args, engine } from './core.js';
import { describe, readProtocols } from './options.js';

// The engine's inputs (core-wasm/src/exports.rs, `dx_input`).
const VERDICT = 9, TARGET = 15, URL_FAILED = 16, PROTOCOLS_FAILED = 17, BAD_URL = 18, BAD_PROTOCOLS = 19;

const thenable = (value) => typeof value?.then === 'function';

/** The message of a thrown value: an `Error`'s, or the value described. */
export const thrownMessage = (thrown) => (thrown instanceof Error ? thrown.message : describe(thrown));

/** Feeds the engine input `tag` for attempt `id`: at once when the engine's own drain asked
 * (it drains the answer), else as an event of its own. */
function answer(driver, later, tag, id, ...texts) {
  if (later) return driver.feedEvent(tag, id, ...texts);
  args(...texts);
  driver.input(tag, id);
  return null;
}

/** `url` resolved against the page's (or worker's) base URL, as a `WebSocket` resolves it,
 * where that gives another URL than reading it alone: a relative one (`/echo`), or one naming
 * the page's own scheme without `//` (`http:echo` on an http page is its `/echo`). As given
 * otherwise (for the engine's checks to see it unchanged), where there is no base (Node.js),
 * it does not parse even so, or it is empty or blank (the engine then says why: an empty URL
 * is more likely a mistake than the page's own address, and Firefox refuses it too). */
export function absolute(url) {
  let alone;
  try {
    alone = new URL(url).href;
  } catch {}
  try {
    // The base is read in here: where there is no `location` (Node.js), or reading it
    // throws, the URL stays as given.
    const resolved = new URL(url, globalThis.document?.baseURI ?? location.href).href;
    if (url.trim() && resolved !== alone) url = resolved;
  } catch {}
  return url;
}

/** The URL and protocols the providers gave, checked as the options are. */
function aim(driver, id, url, protocols, later) {
  if (typeof url !== 'string') return answer(driver, later, BAD_URL, id, describe(url));
  let list = driver.own.protocols;
  if (protocols !== undefined) {
    try {
      list = readProtocols(protocols, (name, problem) => [name, problem]);
    } catch ([name, problem]) {
      return answer(driver, later, BAD_PROTOCOLS, id, name, problem);
    }
  }
  return answer(driver, later, TARGET, id, absolute(url), ...list);
}

/** Finds out where attempt `id` goes, telling the providers `context`. */
export function resolve(driver, id, context) {
  const { urlProvider, protocolsProvider } = driver.own;
  let url = driver.fixedUrl, protocols;
  try {
    if (urlProvider) url = urlProvider(context);
  } catch (thrown) {
    return answer(driver, false, URL_FAILED, id, `threw ${thrownMessage(thrown)}`);
  }
  try {
    if (protocolsProvider) protocols = protocolsProvider(context);
  } catch (thrown) {
    return answer(driver, false, PROTOCOLS_FAILED, id, `threw ${thrownMessage(thrown)}`);
  }
  if (!thenable(url) && !thenable(protocols)) return aim(driver, id, url, protocols, false);
  const settled = (value, tag) => Promise.resolve(value).then(
    (result) => ({ result }),
    (reason) => ({ tag, reason: `rejected with ${thrownMessage(reason)}` }),
  );
  Promise.all([settled(url, URL_FAILED), settled(protocols, PROTOCOLS_FAILED)]).then(([u, p]) => {
    const failed = u.tag ? u : p.tag ? p : null;
    if (failed) answer(driver, true, failed.tag, id, failed.reason);
    else aim(driver, id, u.result, p.result, true);
  });
  return null;
}

/** The app's `shouldReconnect` (yes when it has none); one that throws is reported the
 * platform's way, and the policy's answer (yes) stands. */
export function verdict(driver, context) {
  let yes = true;
  try {
    if (driver.own.shouldReconnect) yes = !!driver.own.shouldReconnect(context);
  } catch (thrown) {
    (globalThis.reportError ?? console.error)(thrown);
  }
  driver.input(VERDICT, Number(yes));
  return null;
}
