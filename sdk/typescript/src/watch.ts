// watchBoard: a board's updates as one async iterable that outlives server
// restarts and dropped connections.

import { ConnectError, type Client } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";

import {
  type ScoreService,
  type WatchBoardRequestSchema,
  type WatchBoardResponse,
} from "./gen/origin/v1/score_pb.js";
import { backoffDelay, isTransient, linkedController, sleep, type BackoffOptions } from "./retry.js";

/** A reconnect of `watchBoard`: its cause and delay. */
export interface ReconnectEvent {
  /** Reconnects since the last received update, starting at 1. */
  attempt: number;
  /** How long the watcher waits before this reconnect, in milliseconds. */
  delayMs: number;
  /** The error that ended the stream, or undefined when it ended without one. */
  error?: ConnectError;
}

export interface WatchBoardOptions extends BackoffOptions {
  /** Ends the watch: the iteration finishes without an error. */
  signal?: AbortSignal;
  /** Headers for every `WatchBoard` call, such as `authorization`. */
  headers?: Record<string, string>;
  /** Called before each reconnect, for example to show that the board is stale. */
  onReconnect?: (event: ReconnectEvent) => void;
}

/**
 * Watches a board. The first update is a snapshot of the board and each
 * later one carries the new snapshot and the events since the previous one.
 *
 * When the stream ends, or fails with a transient code (see `isTransient`),
 * the watcher reconnects with backoff, with `resumeTime` set to the
 * `readTime` of the last snapshot it received. The first update after a
 * reconnect then carries the current snapshot and the events that happened
 * while the watcher was away. Other errors, such as `InvalidArgument` for a
 * bad board, end the iteration by being thrown.
 */
export async function* watchBoard(
  scores: Client<typeof ScoreService>,
  request: MessageInitShape<typeof WatchBoardRequestSchema>,
  options: WatchBoardOptions = {},
): AsyncGenerator<WatchBoardResponse, void, undefined> {
  const { signal, headers, onReconnect } = options;
  let attempt = 0;
  let resumeTime: Timestamp | undefined;

  while (!signal?.aborted) {
    // connect's stream iterables have no return(), so the call is ended
    // through its own signal when the consumer stops iterating early.
    const [call, unlink] = linkedController(signal);
    let error: ConnectError | undefined;
    try {
      const resumed = resumeTime === undefined ? request : { ...request, resumeTime };
      for await (const update of scores.watchBoard(resumed, { signal: call.signal, headers })) {
        attempt = 0;
        resumeTime = update.snapshot?.readTime ?? resumeTime;
        yield update;
      }
    } catch (thrown) {
      if (signal?.aborted) {
        return;
      }
      error = ConnectError.from(thrown);
      if (!isTransient(error)) {
        throw error;
      }
    } finally {
      call.abort();
      unlink();
    }

    attempt += 1;
    const delayMs = backoffDelay(attempt - 1, options);
    onReconnect?.({ attempt, delayMs, error });
    await sleep(delayMs, signal);
  }
}
