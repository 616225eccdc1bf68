// Calls a real `python -m server` through its gateway with Connect's gRPC-Web
// transport (@connectrpc/connect-web on Node's global fetch), so the gateway's
// gRPC-Web support is checked by a client library written independently of it.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Code, ConnectError } from "@connectrpc/connect";

import { BoardScope, createOriginWebClient } from "../src/web.js";
import { CALL_TIMEOUT_MS, setUpMachine, uniqueName } from "./fixtures.js";
import { TestServer } from "./server.js";

let server: TestServer;
let baseUrl: string;

before(async () => {
  server = await TestServer.start();
  baseUrl = server.httpUrl;
});

after(async () => {
  await server?.stop();
});

function bearer(token: string): { headers: Record<string, string>; timeoutMs: number } {
  return { headers: { authorization: `Bearer ${token}` }, timeoutMs: CALL_TIMEOUT_MS };
}

test("binary gRPC-Web: scores, board and stream", async () => {
  const clients = createOriginWebClient(baseUrl, { useBinaryFormat: true });
  const { machineId, gameId, deviceToken } = await setUpMachine(clients, uniqueName("tsbinary"));

  // 9,000,000,000 does not fit in 32 bits, so this checks int64 end to end.
  const submitted = await clients.scores.submitScore(
    { submissionId: "first", value: 9_000_000_000n, player: { case: "initials", value: "TSC" } },
    bearer(deviceToken),
  );
  assert.equal(submitted.duplicate, false);
  assert.equal(submitted.score?.value, 9_000_000_000n);
  assert.equal(submitted.score?.machineId, machineId);

  const board = { game: gameId, scope: BoardScope.MACHINE, machineId };
  const top = await clients.scores.listTopScores(board, { timeoutMs: CALL_TIMEOUT_MS });
  assert.equal(top.totalSize, 1n);
  assert.equal(top.entries.length, 1);
  assert.equal(top.entries[0].rank, 1n);
  assert.equal(top.entries[0].score?.value, 9_000_000_000n);
  assert.equal(top.entries[0].score?.player?.initials, "TSC");

  const watching = new AbortController();
  const timeout = setTimeout(() => watching.abort(new Error("WatchBoard timed out")), CALL_TIMEOUT_MS);
  try {
    const updates = clients.scores.watchBoard(board, { signal: watching.signal })[Symbol.asyncIterator]();

    const first = await updates.next();
    assert.equal(first.done, false);
    assert.equal(first.value.snapshot?.totalSize, 1n);
    assert.equal(first.value.snapshot?.entries[0].score?.value, 9_000_000_000n);
    assert.equal(first.value.events.length, 0);

    await clients.scores.submitScore(
      { submissionId: "second", value: 9_000_000_001n, player: { case: "initials", value: "NEW" } },
      bearer(deviceToken),
    );

    const second = await updates.next();
    assert.equal(second.done, false);
    assert.equal(second.value.snapshot?.totalSize, 2n);
    assert.equal(second.value.snapshot?.entries[0].score?.value, 9_000_000_001n);
    assert.ok(second.value.events.length > 0, "the update after a new top score carries no events");
    assert.equal(second.value.events[0].entry?.score?.value, 9_000_000_001n);
  } finally {
    clearTimeout(timeout);
    watching.abort();
  }
});

test("binary gRPC-Web: invalid argument", async () => {
  const clients = createOriginWebClient(baseUrl, { useBinaryFormat: true });
  const { gameId } = await setUpMachine(clients, uniqueName("tsinvalid"));

  // A machine board without a machine ID is an invalid request.
  const rejected = await clients.scores
    .listTopScores({ game: gameId, scope: BoardScope.MACHINE }, { timeoutMs: CALL_TIMEOUT_MS })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  assert.ok(rejected instanceof ConnectError, `expected a ConnectError, got ${String(rejected)}`);
  assert.equal(rejected.code, Code.InvalidArgument);
  assert.ok(rejected.rawMessage.length > 0, "the error carries no message");
});

// The gateway supports only the protobuf encodings of gRPC-Web. It rejects
// application/grpc-web+json with HTTP 415 and a REST-style JSON error body.
// NOTE: connect-web 2.1.2 maps that HTTP status to Code.Unknown with the
// message "HTTP 415", because the response carries no grpc-status.
test("JSON gRPC-Web is rejected", async () => {
  const clients = createOriginWebClient(baseUrl, { useBinaryFormat: false });
  const rejected = await clients.scores
    .listTopScores({ game: "attack-from-mars", scope: BoardScope.GLOBAL }, { timeoutMs: CALL_TIMEOUT_MS })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  assert.ok(rejected instanceof ConnectError, `expected a ConnectError, got ${String(rejected)}`);
  assert.equal(rejected.code, Code.Unknown);
  assert.match(rejected.rawMessage, /\b415\b/);
});
