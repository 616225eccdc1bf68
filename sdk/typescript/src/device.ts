// A machine's device: submits scores with its device token, either one call
// per score or over one long-lived `StreamScores` stream that reconnects and
// resends what the server has not acknowledged.

import { randomUUID } from "node:crypto";

import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { clone, create, isMessage, type MessageInitShape } from "@bufbuild/protobuf";

import type { CheckIn } from "./gen/origin/v1/checkin_pb.js";
import type { ReportMachineStatusRequestSchema } from "./gen/origin/v1/machine_status_pb.js";
import {
  ScoreService,
  type StreamScoresRequestSchema,
  type StreamScoresResponse,
  SubmitScoreRequestSchema,
  type SubmitScoreRequest,
  type SubmitScoreResponse,
} from "./gen/origin/v1/score_pb.js";
import type { Status } from "./gen/google/rpc/status_pb.js";
import { backoffDelay, isTransient, linkedController, sleep, type BackoffOptions } from "./retry.js";
import type { ReconnectEvent } from "./watch.js";

/** A score as a device submits it. Without `submissionId`, a random UUID is used. */
export type DeviceScore = MessageInitShape<typeof SubmitScoreRequestSchema>;

export interface OriginDeviceOptions extends BackoffOptions {
  /** The token that `CreateMachine` or `RenewDeviceToken` returned. */
  deviceToken: string;
  /** The deadline of each `SubmitScore` call, in milliseconds. Default 10,000. */
  timeoutMs?: number;
  /** How often `submitScore` sends one score before it gives up. Default 5. */
  maxAttempts?: number;
}

export interface DeviceStreamOptions extends BackoffOptions {
  /** Called for every check-in notice, including those sent on each (re)connect. */
  onCheckIn?: (checkIn: CheckIn) => void;
  /** Called before each reconnect. */
  onReconnect?: (event: ReconnectEvent) => void;
}

/** The scores of one machine, sent with its device token. */
export class OriginDevice {
  readonly scores: Client<typeof ScoreService>;
  private readonly options: OriginDeviceOptions;

  constructor(transport: Transport, options: OriginDeviceOptions) {
    this.scores = createClient(ScoreService, transport);
    this.options = options;
  }

  /**
   * Submits one score with `SubmitScore`, sending it again with the same
   * submission ID after a transient error (see `isTransient`), so the score
   * is stored once however often it is sent. Other errors are thrown.
   */
  async submitScore(score: DeviceScore, signal?: AbortSignal): Promise<SubmitScoreResponse> {
    const request = withSubmissionId(score);
    const maxAttempts = this.options.maxAttempts ?? 5;

    for (let attempt = 1; ; attempt++) {
      try {
        return await this.scores.submitScore(request, {
          headers: this.headers,
          timeoutMs: this.options.timeoutMs ?? 10_000,
          signal,
        });
      } catch (thrown) {
        const error = ConnectError.from(thrown);
        if (!isTransient(error) || attempt >= maxAttempts || signal?.aborted) {
          throw error;
        }
        await sleep(backoffDelay(attempt - 1, this.options), signal);
      }
    }
  }

  /** Opens a `StreamScores` stream that stays open until `close()`. */
  openStream(options: DeviceStreamOptions = {}): DeviceStream {
    return new DeviceStream(this.scores, this.headers, { ...this.options, ...options });
  }

  /** The `authorization` header the server expects from a device. */
  get headers(): Record<string, string> {
    return { authorization: `Bearer ${this.options.deviceToken}` };
  }
}

interface PendingScore {
  request: SubmitScoreRequest;
  promise: Promise<StreamScoresResponse>;
  resolve: (response: StreamScoresResponse) => void;
  reject: (error: ConnectError) => void;
}

/**
 * One device stream. `submit` resolves when the server has stored the score.
 * Scores without a response are kept in memory and sent again, in their
 * order, after every reconnect. The server recognises repeats by
 * submission ID and responds to them with `duplicate` set.
 *
 * NOTE: unacknowledged scores live in this process only, so a crash or
 * power cut loses them. A device that must survive that stores each score
 * before `submit` and deletes it when `submit` resolves.
 */
export class DeviceStream {
  private readonly pending = new Map<string, PendingScore>();
  private readonly stopped = new AbortController();
  private queue: RequestQueue<MessageInitShape<typeof StreamScoresRequestSchema>> | undefined;
  private failure: ConnectError | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly scores: Client<typeof ScoreService>,
    private readonly headers: Record<string, string>,
    private readonly options: DeviceStreamOptions,
  ) {
    this.done = this.run();
  }

  /** The number of scores sent without a response yet. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Submits one score and resolves with the server's response once the
   * score is stored. Rejects with the server's error when the score itself is
   * rejected (for example `InvalidArgument`), and when the stream fails
   * with a code that is not transient, such as `Unauthenticated`.
   */
  submit(score: DeviceScore): Promise<StreamScoresResponse> {
    if (this.failure !== undefined || this.stopped.signal.aborted) {
      return Promise.reject(this.failure ?? new ConnectError("the device stream is closed", Code.Canceled));
    }
    const request = withSubmissionId(score);
    const existing = this.pending.get(request.submissionId);
    if (existing !== undefined) {
      return existing.promise;
    }

    let resolve!: PendingScore["resolve"];
    let reject!: PendingScore["reject"];
    const promise = new Promise<StreamScoresResponse>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    this.pending.set(request.submissionId, { request, promise, resolve, reject });
    this.queue?.push({ score: request });
    return promise;
  }

  /**
   * Sends a status report as a heartbeat. Returns false when no stream is
   * connected: the report is dropped, because the next one replaces it.
   */
  reportStatus(status: MessageInitShape<typeof ReportMachineStatusRequestSchema>): boolean {
    return this.queue?.push({ report: { case: "status", value: status } }) ?? false;
  }

  /** Resolves when the server has responded to every submitted score. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending.values()].map((pending) => pending.promise));
  }

  /** Closes the stream. Scores still without a response are rejected with `Canceled`. */
  async close(): Promise<void> {
    this.stopped.abort();
    await this.done;
    this.rejectAll(new ConnectError("the device stream was closed before the server responded", Code.Canceled));
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped.signal.aborted) {
      const queue = new RequestQueue<MessageInitShape<typeof StreamScoresRequestSchema>>();
      for (const pending of this.pending.values()) {
        queue.push({ score: pending.request });
      }
      this.queue = queue;

      const [call, unlink] = linkedController(this.stopped.signal);
      let error: ConnectError | undefined;
      try {
        for await (const response of this.scores.streamScores(queue, { headers: this.headers, signal: call.signal })) {
          attempt = 0;
          this.settle(response);
        }
      } catch (thrown) {
        if (this.stopped.signal.aborted) {
          return;
        }
        error = ConnectError.from(thrown);
        if (!isTransient(error)) {
          this.failure = error;
          this.rejectAll(error);
          return;
        }
      } finally {
        this.queue = undefined;
        queue.end();
        call.abort();
        unlink();
      }

      attempt += 1;
      const delayMs = backoffDelay(attempt - 1, this.options);
      this.options.onReconnect?.({ attempt, delayMs, error });
      await sleep(delayMs, this.stopped.signal);
    }
  }

  private settle(response: StreamScoresResponse): void {
    if (response.result.case === "checkIn") {
      this.options.onCheckIn?.(response.result.value);
      return;
    }

    // The response to a score sent before a reconnect may arrive after the
    // response to its resend, so an unknown submission ID is ignored.
    const pending = this.pending.get(response.submissionId);
    if (pending === undefined) {
      return;
    }
    this.pending.delete(response.submissionId);
    if (response.result.case === "error") {
      pending.reject(statusError(response.result.value));
    } else {
      pending.resolve(response);
    }
  }

  private rejectAll(error: ConnectError): void {
    for (const pending of this.pending.values()) {
      pending.reject(error);
    }
    this.pending.clear();
  }
}

// Copies the score, so a later change by the caller cannot alter a resend,
// and fills in a random submission ID when it has none.
function withSubmissionId(score: DeviceScore): SubmitScoreRequest {
  const request = isMessage(score, SubmitScoreRequestSchema)
    ? clone(SubmitScoreRequestSchema, score)
    : create(SubmitScoreRequestSchema, score);
  if (request.submissionId === "") {
    request.submissionId = randomUUID();
  }
  return request;
}

/** Turns a `google.rpc.Status` from a stream response into a ConnectError with its details. */
export function statusError(status: Status): ConnectError {
  const error = new ConnectError(status.message, status.code as Code);
  error.details = status.details.map((detail) => ({
    type: detail.typeUrl.slice(detail.typeUrl.lastIndexOf("/") + 1),
    value: detail.value,
  }));
  return error;
}

/** The request side of a stream: messages pushed now, read by the transport when it is ready. */
class RequestQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T, undefined>) => void) | undefined;
  private ended = false;

  /** Adds a message; returns false when the queue has ended. */
  push(item: T): boolean {
    if (this.ended) {
      return false;
    }
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      waiting({ value: item, done: false });
    } else {
      this.items.push(item);
    }
    return true;
  }

  end(): void {
    this.ended = true;
    this.items.length = 0;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  // A generator, because connect's transports call throw() and return() on
  // the request iterator when a call ends.
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    try {
      for (;;) {
        const result = await this.take();
        if (result.done) {
          return;
        }
        yield result.value;
      }
    } finally {
      this.end();
    }
  }

  private take(): Promise<IteratorResult<T, undefined>> {
    if (this.items.length > 0) {
      return Promise.resolve({ value: this.items.shift()!, done: false });
    }
    if (this.ended) {
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}
