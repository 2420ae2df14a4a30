// Those who wait on a socket: the `opened` and `closed` promises and `sendAsync`. Settled
// when the driver dispatches open and close, and polled while a `sendAsync` waits for the
// browser's buffer (it has no event for that) or for the server's ack in a session.
import { error, field, out } from './core.js';

/** How often a waiting `sendAsync` looks at `bufferedAmount` again. */
const DRAIN_POLL_MS = 10;

export class Waiters {
  constructor(driver) {
    this.driver = driver;
    this.open = [];
    this.close = [];
    this.drain = [];
  }

  /** The `opened` promise: made on first use, then always the same. */
  opened() {
    this.openedPromise ??= (() => {
      const state = this.driver.query(9);
      if (state === 1) return Promise.resolve();
      if (state === 0) return Promise.reject(error());
      return new Promise((resolve, reject) => this.open.push([resolve, reject]));
    })();
    return this.openedPromise;
  }

  /** The `closed` promise of this life of the socket (`reconnect()` after a close starts a new one). */
  closed() {
    const life = this.driver.query(5);
    if (this.closedPromise?.life !== life) {
      const promise = this.driver.query(8)
        ? Promise.resolve({ code: field(2), reason: out(0), wasClean: !!field(3) })
        : new Promise((resolve) => this.close.push([life, resolve]));
      this.closedPromise = { life, promise };
    }
    return this.closedPromise.promise;
  }

  /** Sends, and resolves once the browser buffers at most `highWaterMark` bytes, or in a
   * session once the server acknowledged the message; rejects with the error instead of throwing. */
  sendAsync(data) {
    const driver = this.driver;
    try {
      driver.send(data);
    } catch (refused) {
      return Promise.reject(refused);
    }
    const want = driver.query(12) === 1
      ? { done: driver.query(13) - 1 }
      : { buffered: driver.own.highWaterMark };
    const met = this.met(want);
    if (met) return met === true ? Promise.resolve() : Promise.reject(met);
    return new Promise((resolve, reject) => {
      this.drain.push({ want, resolve, reject });
      this.poll();
    });
  }

  /** true when `want` is met, the error once closing or closed, else null. */
  met(want) {
    const driver = this.driver;
    const readiness = driver.query(10);
    if (readiness === 2) return error();
    if (want.done !== undefined) return driver.query(4) > want.done || null;
    return (readiness === 1 && (driver.ws?.bufferedAmount ?? 0) <= want.buffered) || null;
  }

  /** Settles the `sendAsync` waiters that can be; looks again later while any still wait. */
  poll() {
    const waiting = this.drain;
    this.drain = [];
    const still = waiting.filter((waiter) => {
      const met = this.met(waiter.want);
      if (met === true) waiter.resolve();
      else if (met) waiter.reject(met);
      return !met;
    });
    // Waiters added while settling (a handler called sendAsync) come after the rest.
    this.drain = still.concat(this.drain);
    const timers = this.driver.timers;
    if (this.drain.length && timers.drain === undefined) {
      timers.drain = setTimeout(() => {
        timers.drain = undefined;
        this.poll();
      }, DRAIN_POLL_MS);
    }
  }

  /** The first open (or a later one): its waiters are resolved. */
  opening() {
    for (const [resolve] of this.open.splice(0)) resolve();
    this.poll();
  }

  /** Life `life` closed for good with `info`: its waiters get it (not those of a new life
   * that a listener began with `reconnect()` meanwhile), and so do those of the first open:
   * the error that ended the socket if it never opened, else resolved (a close asked while
   * connecting sends the queue with no open event). */
  closing(info, life) {
    this.close = this.close.filter(([of, resolve]) => of !== life || resolve(info));
    const failed = this.driver.query(9) === 0 && error();
    for (const [resolve, reject] of this.open.splice(0)) failed ? reject(failed) : resolve();
    this.poll();
  }
}
