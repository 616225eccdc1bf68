// The Node entry point against a real server: native gRPC over HTTP/2 to the
// gRPC port, the session's interceptor, the device helper and watchBoard,
// including their reconnects across a server restart.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Code, ConnectError } from "@connectrpc/connect";

import {
  BoardMode,
  BoardScope,
  createOriginDevice,
  createOriginNodeClient,
  watchBoard,
  type ReconnectEvent,
  type WatchBoardResponse,
} from "../src/node.js";
import { CALL_TIMEOUT_MS, setUpMachine, uniqueName } from "./fixtures.js";
import { TestServer } from "./server.js";

let server: TestServer;

before(async () => {
  server = await TestServer.start();
});

after(async () => {
  await server?.stop();
});

// Reconnect quickly, so a restart costs the tests little time.
const FAST_BACKOFF = { initialDelayMs: 50, maxDelayMs: 500 };

test("node client: sign in, machine, device, board", async () => {
  const client = createOriginNodeClient({ baseUrl: server.grpcUrl });
  const name = uniqueName("tsnode");
  const { machineId, gameId, deviceToken } = await setUpMachine(client, name);

  const me = await client.auth.getCurrentUser({}, { timeoutMs: CALL_TIMEOUT_MS });
  assert.equal(me.user?.screenName, name);

  const device = createOriginDevice({ baseUrl: server.grpcUrl, deviceToken });
  const first = await device.submitScore({ submissionId: "unary-1", value: 9_000_000_000n, player: { case: "initials", value: "TSN" } });
  assert.equal(first.duplicate, false);
  assert.equal(first.score?.value, 9_000_000_000n);
  assert.equal(first.score?.machineId, machineId);

  const retry = await device.submitScore({ submissionId: "unary-1", value: 9_000_000_000n, player: { case: "initials", value: "TSN" } });
  assert.equal(retry.duplicate, true);
  assert.equal(retry.score?.id, first.score?.id);

  const generated = await device.submitScore({ value: 5n });
  assert.equal(generated.duplicate, false, "a score without a submission ID was taken as a retry");

  const stream = device.openStream();
  try {
    const answers = await Promise.all([
      stream.submit({ submissionId: "stream-1", value: 7n }),
      stream.submit({ submissionId: "stream-2", value: 8n }),
    ]);
    assert.deepEqual(
      answers.map((answer) => [answer.submissionId, answer.duplicate, answer.result.case]),
      [
        ["stream-1", false, "score"],
        ["stream-2", false, "score"],
      ],
    );

    const rejected = await stream.submit({ submissionId: "stream-bad", value: -1n }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(rejected instanceof ConnectError, `expected a ConnectError, got ${String(rejected)}`);
    assert.equal(rejected.code, Code.InvalidArgument);

    const afterRejection = await stream.submit({ submissionId: "stream-3", value: 9n });
    assert.equal(afterRejection.result.case, "score", "the stream did not go on after a rejected score");
  } finally {
    await stream.close();
  }

  const board = await client.scores.listTopScores(
    { game: gameId, scope: BoardScope.MACHINE, machineId, mode: BoardMode.EVERY_ENTRY },
    { timeoutMs: CALL_TIMEOUT_MS },
  );
  assert.equal(board.totalSize, 5n);
  assert.equal(board.entries[0].score?.value, 9_000_000_000n);
  assert.equal(board.entries[0].rank, 1n);
});

test("device: bad token fails the stream", async () => {
  const device = createOriginDevice({ baseUrl: server.grpcUrl, deviceToken: "not-a-device-token", ...FAST_BACKOFF });
  const unary = await device.submitScore({ value: 1n }).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(unary instanceof ConnectError, `expected a ConnectError, got ${String(unary)}`);
  assert.equal(unary.code, Code.Unauthenticated);

  const stream = device.openStream();
  try {
    const streamed = await stream.submit({ value: 1n }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(streamed instanceof ConnectError, `expected a ConnectError, got ${String(streamed)}`);
    assert.equal(streamed.code, Code.Unauthenticated);
  } finally {
    await stream.close();
  }
});

test("watchBoard: bad board is thrown", async () => {
  const client = createOriginNodeClient({ baseUrl: server.grpcUrl });
  const watching = watchBoard(client.scores, { game: "attack-from-mars", scope: BoardScope.MACHINE }, FAST_BACKOFF);
  await assert.rejects(watching.next(), (error: unknown) => {
    assert.ok(error instanceof ConnectError, `expected a ConnectError, got ${String(error)}`);
    assert.equal(error.code, Code.InvalidArgument);
    return true;
  });
});

// Reads updates until one satisfies `done`, failing after `timeoutMs`.
async function nextMatching(
  updates: AsyncIterator<WatchBoardResponse>,
  done: (update: WatchBoardResponse) => boolean,
  timeoutMs: number,
): Promise<WatchBoardResponse> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no matching board update within ${timeoutMs} ms (timed out)`)), timeoutMs);
  });
  try {
    for (;;) {
      const result = await Promise.race([updates.next(), timeout]);
      assert.equal(result.done, false, "watchBoard ended");
      if (done(result.value)) {
        return result.value;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

// One restart exercises both reconnecting helpers: the watcher must come
// back on its own, and a device stream in the middle of a burst must end
// with every score stored exactly once.
test("server restart: watchBoard and device stream resume", async () => {
  const client = createOriginNodeClient({ baseUrl: server.grpcUrl });
  const { machineId, gameId, deviceToken } = await setUpMachine(client, uniqueName("tsrestart"));
  const device = createOriginDevice({ baseUrl: server.grpcUrl, deviceToken, ...FAST_BACKOFF });
  const board = { game: gameId, scope: BoardScope.MACHINE, machineId, mode: BoardMode.EVERY_ENTRY };

  const stopWatching = new AbortController();
  const reconnects: ReconnectEvent[] = [];
  const updates = watchBoard(client.scores, board, {
    ...FAST_BACKOFF,
    signal: stopWatching.signal,
    onReconnect: (event) => reconnects.push(event),
  });
  const streamReconnects: ReconnectEvent[] = [];
  const stream = device.openStream({ ...FAST_BACKOFF, onReconnect: (event) => streamReconnects.push(event) });

  try {
    const empty = await nextMatching(updates, () => true, CALL_TIMEOUT_MS);
    assert.equal(empty.snapshot?.totalSize, 0n);

    await device.submitScore({ submissionId: "before-restart", value: 100n });
    await nextMatching(updates, (update) => update.snapshot?.totalSize === 1n, CALL_TIMEOUT_MS);

    // A burst of scores: the first half before the restart, the second half
    // while the server stops and starts again, so some scores must be resent.
    const burst = 100;
    let answered = 0;
    const submit = (index: number) =>
      stream.submit({ submissionId: `burst-${index}`, value: BigInt(1_000 + index) }).then((answer) => {
        answered += 1;
        return answer;
      });
    const submitted = Array.from({ length: burst / 2 }, (_, index) => submit(index));
    while (answered < 10) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const restarted = server.restart();
    for (let index = burst / 2; index < burst; index++) {
      submitted.push(submit(index));
    }

    // A unary submission during the restart is retried with its submission ID.
    const patient = createOriginDevice({ baseUrl: server.grpcUrl, deviceToken, maxAttempts: 60, ...FAST_BACKOFF });
    const unary = patient.submitScore({ submissionId: "during-restart", value: 50n });
    await restarted;

    const answers = await Promise.all(submitted);
    assert.equal(answers.length, burst);
    assert.ok(streamReconnects.length >= 1, "the device stream did not reconnect");
    assert.equal(stream.pendingCount, 0);
    assert.equal((await unary).score?.value, 50n);

    const expected = BigInt(burst + 2);
    const resumed = await nextMatching(updates, (update) => update.snapshot?.totalSize === expected, 20_000);
    assert.equal(resumed.snapshot?.entries[0].score?.value, BigInt(1_000 + burst - 1));
    assert.ok(reconnects.length >= 1, "watchBoard did not reconnect");
    assert.ok(
      reconnects.some((event) => event.error?.code === Code.Unavailable),
      `no reconnect after Unavailable: ${reconnects.map((event) => event.error?.code).join(", ")}`,
    );

    const top = await client.scores.listTopScores(board, { timeoutMs: CALL_TIMEOUT_MS });
    assert.equal(top.totalSize, expected, "the server does not hold every score exactly once");
  } finally {
    stopWatching.abort();
    await stream.close();
  }

  const ended = await updates.next();
  assert.equal(ended.done, true, "watchBoard went on after its signal was aborted");
});
