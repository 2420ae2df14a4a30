// The driver: the one loop between the browser and the engine. It owns the browser
// WebSocket, its listeners, the timers and the page's lifecycle listeners; it feeds the engine
// what happens (`dx_input`, `dx_send`, `dx_close`), then drains what the engine answers
// (`dx_poll`) and carries it out. It decides nothing: every rule is the engine's.
import { resolve, verdict } from './attempts.js';
import { armWake, attach, detach, letGo, open, transmit } from './browser.js';
import { args, check, drop, engine, error, field, keep, kept, out, release } from './core.js';
import { closeEvent, errorEvent, fieldsEvent, messageEvent, openEvent } from './events.js';
import { Waiters } from './waiters.js';

/** The engine's input for a browser socket closing (core-wasm/src/exports.rs, `dx_input`). */
const CLOSING = 5;
/** What the app's providers and `shouldReconnect` are told (fields of Connect / Consult). */
const context = () => ({
  attempt: field(1),
  lastClose: field(5) ? { code: field(2), reason: out(0), wasClean: !!field(3) } : null,
  lastError: field(4) ? error(1) : null,
});

export class Driver {
  constructor(target, name, fixedUrl, own, seed) {
    this.target = target;
    this.fixedUrl = fixedUrl;
    this.own = own;
    this.url = name;
    this.ws = null;
    this.waiters = new Waiters(this);
    args(name);
    this.s = check(engine().dx_open(seed, Date.now()));
    this.framing = false;
    // Whether a plain message is an input at all (only a heartbeat watches them arrive).
    this.noting = this.query(14) === 1;
    this.timers = {};
    attach(this);
    try {
      this.drain();
    } catch (refused) {
      // The browser refused the very first socket: the constructor throws, and nothing lingers.
      detach(this);
      engine().dx_drop(this.s);
      throw refused;
    }
  }

  query(what) { return engine().dx_query(this.s, what); }

  /** Hands the engine input `tag` (with `value`) and nothing more: the caller drains, or
   * the input answers nothing. Its status: negative when refused (the error is in the output). */
  input(tag, value = 0) { return engine().dx_input(this.s, tag, value, Date.now()); }

  /** Feeds input `tag` (with `value` and string `texts`), then carries out the answer. */
  feed(tag, value = 0, ...texts) {
    args(...texts);
    const status = this.input(tag, value);
    const refused = status < 0 ? error() : null;
    this.drain();
    if (refused) throw refused;
  }

  /** Feeds what the browser or a timer says: nobody to throw to, so it is reported. */
  feedEvent(tag, value, ...texts) {
    try { this.feed(tag, value, ...texts); } catch (refused) { this.target.dispatchEvent(errorEvent(refused)); }
  }

  /** Sends (or queues) `data`; refused with CLOSED or QUEUE_FULL, the queue untouched. */
  send(data) {
    // The browser has no event for a server's close frame: its socket's state is reported first.
    if (this.ws && this.ws.readyState >= 2) this.feed(CLOSING);
    const id = keep(data);
    const status = engine().dx_send(this.s, id, Date.now());
    if (status > 0) {
      // The fast path (open, nothing queued): the engine's whole answer is "send it now".
      if (status === 1) drop(id);
      const refused = transmit(this, data);
      if (refused) throw refused;
      return;
    }
    const refused = status < 0 ? error() : null;
    this.drain();
    if (refused) throw refused;
  }

  close(code, reason) {
    if (reason !== undefined) args(reason);
    const status = engine().dx_close(this.s, code ?? -1, Number(reason !== undefined), Date.now());
    const refused = status < 0 ? error() : null;
    this.drain();
    if (refused) throw refused;
  }

  /** Carries out every command; events go out after the rest, so a listener that calls back
   * into the socket finds it settled. A transmit the browser refused is thrown at the end. */
  drain() {
    const events = [];
    let refused = null;
    for (let tag; (tag = engine().dx_poll(this.s));) {
      if (tag >= 10) events.push(this.event(tag));
      else refused ??= this.carryOut(tag);
    }
    release();
    this.framing = this.query(11) === 1;
    armWake(this);
    for (const dispatch of events) dispatch();
    if (this.query(0) === 3) detach(this);
    if (refused) throw refused;
  }

  carryOut(tag) {
    switch (tag) {
      case 1: return resolve(this, field(0), context());
      case 2: return open(this, out(0), Array.from({ length: field(0) }, (_, i) => out(i + 1)));
      case 3: return verdict(this, context());
      case 4: return transmit(this, kept(field(0)));
      case 5: return transmit(this, `\0${kept(field(0))}`);
      case 6: return transmit(this, out(0));
      case 7: return void this.ws?.send(this.own.heartbeat.message);
      case 8: return void this.ws?.close(field(0), out(0));
      default: return void letGo(this);
    }
  }

  /** The engine's event, read now (the next poll overwrites it), as a dispatch for later. */
  event(tag) {
    const target = this.target;
    const later = (event) => () => target.dispatchEvent(event);
    switch (tag) {
      case 10: return () => {
        target.dispatchEvent(openEvent());
        this.waiters.opening();
      };
      case 11: return later(fieldsEvent('reconnecting', {
        attempt: field(0), delayMs: field(1), code: field(2), reason: out(0), wasClean: !!field(3),
        error: field(4) ? error(1) : null,
      }));
      case 12: return later(fieldsEvent('resumed', {
        recovered: !!field(0), resent: field(1), replayed: field(2), error: field(4) ? error(0) : null,
      }));
      case 13: return later(errorEvent(error(0)));
      default: {
        const detail = { code: field(2), reason: out(0), wasClean: !!field(3) };
        const life = this.query(5);
        return () => {
          target.dispatchEvent(closeEvent(detail));
          this.waiters.closing(detail, life);
        };
      }
    }
  }

  /** A message for the app: a message event with the browser's own data (that of `from`). */
  deliver(from) {
    this.target.dispatchEvent(messageEvent(from));
  }
}
