// Backoff and the error codes after which a call or stream is tried again.

import { Code, ConnectError } from "@connectrpc/connect";

/** How long to wait between attempts: exponential growth with jitter. */
export interface BackoffOptions {
  /** The ceiling of the first delay, in milliseconds. Default 250. */
  initialDelayMs?: number;
  /** The largest delay, in milliseconds. Default 10,000. */
  maxDelayMs?: number;
}

/**
 * Codes after which a stream reconnects or an idempotent call is sent again.
 * Besides `Unavailable`, which the server sends when it shuts down,
 * connect-node reports a dropped connection as `Aborted` (ECONNRESET) or
 * `Internal` (an HTTP/2 reset), and connect-web reports a failed fetch as
 * `Unknown`.
 */
export const TRANSIENT_CODES: ReadonlySet<Code> = new Set([
  Code.Unavailable,
  Code.Aborted,
  Code.Internal,
  Code.Unknown,
  Code.DeadlineExceeded,
]);

/** Returns true when `error` is worth another attempt with the same request. */
export function isTransient(error: ConnectError): boolean {
  return TRANSIENT_CODES.has(error.code);
}

/**
 * Returns the delay before retry number `attempt` (0 for the first retry):
 * a random value between half and all of `initialDelayMs * 2^attempt`,
 * capped at `maxDelayMs`, so clients that lost the same server do not all
 * come back at the same moment.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 10_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Waits `ms` milliseconds; resolves to false at once when `signal` is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Returns an AbortController for one attempt that is also aborted when
 * `parent` is, and a function that removes the link again.
 */
export function linkedController(parent?: AbortSignal): [AbortController, () => void] {
  const controller = new AbortController();
  if (parent === undefined) {
    return [controller, () => {}];
  }
  if (parent.aborted) {
    controller.abort(parent.reason);
    return [controller, () => {}];
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return [controller, () => parent.removeEventListener("abort", onAbort)];
}
