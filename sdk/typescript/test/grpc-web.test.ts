// Calls a real `python -m server` through its gateway with Connect's gRPC-Web
// transport (@connectrpc/connect-web on Node's global fetch), so the gateway's
// gRPC-Web support is checked by a client library written independently of it.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { Code, ConnectError } from "@connectrpc/connect";

import { BoardScope, createOriginWebClient, type OriginClients } from "../src/index.js";

// The compiled test runs from sdk/typescript/dist/test/, four levels below the root.
const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const PYTHON = join(REPO, ".venv", "bin", "python");
const PASSWORD = "correct horse battery";
const STARTUP_TIMEOUT_MS = 60_000;
const SHUTDOWN_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 10_000;

let server: ChildProcess;
let dataDir: string;
let logPath: string;
let baseUrl: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function serverLog(): string {
  try {
    return readFileSync(logPath, "utf8");
  } catch {
    return "(no server log)";
  }
}

// Polls the gateway until it returns any HTTP response. The server starts the
// gateway only after the gRPC services report SERVING.
async function waitForGateway(): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(`server exited with code ${server.exitCode} before the gateway responded:\n${serverLog()}`);
    }
    try {
      await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(1_000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`gateway at ${baseUrl} did not respond within ${STARTUP_TIMEOUT_MS} ms (timed out):\n${serverLog()}`);
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "origin-sdk-ts-"));
  // The embedded PostgreSQL runs as its own system user when the server is
  // started by root, so the directory must be readable by others.
  chmodSync(dataDir, 0o755);
  logPath = join(dataDir, "server.log");

  const grpcPort = await freePort();
  const httpPort = await freePort();
  baseUrl = `http://127.0.0.1:${httpPort}`;

  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.TEST_DATABASE_URL;
  Object.assign(env, {
    ORIGIN_DATA_DIR: dataDir,
    ORIGIN_GRPC_ADDR: `127.0.0.1:${grpcPort}`,
    ORIGIN_HTTP_ADDR: `127.0.0.1:${httpPort}`,
    ORIGIN_SHUTDOWN_GRACE_SECONDS: "3",
  });

  const log = openSync(logPath, "a");
  server = spawn(PYTHON, ["-m", "server"], { cwd: REPO, env, stdio: ["ignore", log, log] });
  closeSync(log);
  await waitForGateway();
});

after(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      server.once("exit", (code, signal) => resolve([code, signal])),
    );
    process.kill(server.pid!, "SIGTERM");
    const timer = setTimeout(() => process.kill(server.pid!, "SIGKILL"), SHUTDOWN_TIMEOUT_MS);
    const [code, signal] = await exited;
    clearTimeout(timer);
    assert.equal(signal, null, `server was ended by ${signal} instead of exiting after SIGTERM:\n${serverLog()}`);
    assert.equal(code, 0, `server exited with code ${code} after SIGTERM:\n${serverLog()}`);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

function bearer(token: string): { headers: Record<string, string>; timeoutMs: number } {
  return { headers: { authorization: `Bearer ${token}` }, timeoutMs: CALL_TIMEOUT_MS };
}

// Signs up an owner, then creates an arcade and a machine, and returns the
// machine with its device token.
async function setUpMachine(clients: OriginClients, name: string) {
  const email = `${name}@example.com`;
  const created = await clients.auth.createUser({ email, password: PASSWORD, screenName: name });
  assert.ok(created.user?.id, "CreateUser returned no user ID");

  const token = await clients.auth.createToken({ email, password: PASSWORD });
  assert.ok(token.accessToken, "CreateToken returned no access token");

  const arcade = await clients.arcades.createArcade(
    { displayName: "Flipper Hall", address: "Somewhere 1", latitude: 52.52, longitude: 13.405, timeZone: "Europe/Berlin" },
    bearer(token.accessToken),
  );
  assert.ok(arcade.arcade?.id, "CreateArcade returned no arcade ID");

  const machine = await clients.machines.createMachine(
    { arcadeId: arcade.arcade.id, gameTitle: "Attack From Mars (1.13b)" },
    bearer(token.accessToken),
  );
  assert.ok(machine.machine?.id, "CreateMachine returned no machine ID");
  assert.ok(machine.deviceToken, "CreateMachine returned no device token");
  return { machineId: machine.machine.id, gameId: machine.machine.gameId, deviceToken: machine.deviceToken };
}

test("binary gRPC-Web: scores, board and stream", async () => {
  const clients = createOriginWebClient(baseUrl, { useBinaryFormat: true });
  const { machineId, gameId, deviceToken } = await setUpMachine(clients, `tsbinary${Date.now()}`);

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
  const { gameId } = await setUpMachine(clients, `tsinvalid${Date.now()}`);

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
