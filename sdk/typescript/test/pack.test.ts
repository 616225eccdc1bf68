// `npm pack` produces a package that a fresh project installs and uses. An
// ESM script in a new directory watches a board through the installed
// "./node" entry point and receives one update. tsc resolves the types of
// all three entry points there.

import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { createOriginDevice, createOriginNodeClient } from "../src/node.js";
import { setUpMachine, uniqueName } from "./fixtures.js";
import { TestServer } from "./server.js";

const run = promisify(execFile);
// The compiled test runs from sdk/typescript/dist/test/.
const SDK = fileURLToPath(new URL("../../", import.meta.url));
const TSC = join(SDK, "node_modules", "typescript", "bin", "tsc");
const SCRIPT_TIMEOUT_MS = 30_000;

let server: TestServer;
let project: string;

before(async () => {
  server = await TestServer.start();
  project = mkdtempSync(join(tmpdir(), "origin-sdk-ts-project-"));
});

after(async () => {
  await server?.stop();
  if (project) {
    rmSync(project, { recursive: true, force: true });
  }
});

// Packs the SDK into `project` and installs the tarball there. Its
// dependencies come from the npm cache that `npm ci` filled, or else the
// registry.
async function installPackedSdk(): Promise<void> {
  await run("npm", ["pack", "--pack-destination", project], { cwd: SDK });
  const tarballs = readdirSync(project).filter((name) => name.endsWith(".tgz"));
  assert.equal(tarballs.length, 1, `npm pack wrote ${tarballs.join(", ") || "no tarball"}`);

  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "origin-sdk-consumer", private: true, type: "module" }, null, 2),
  );
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", `./${tarballs[0]}`], {
    cwd: project,
    timeout: 60_000,
  });
}

// Prints "ready" after the first snapshot, then the first update that shows
// a score, and exits.
const WATCH_SCRIPT = `
import { BoardScope, createOriginNodeClient, watchBoard } from "@origin-pinball/sdk/node";

const [baseUrl, game, machineId] = process.argv.slice(2);
const client = createOriginNodeClient({ baseUrl });
const board = { game, scope: BoardScope.MACHINE, machineId };
for await (const update of watchBoard(client.scores, board)) {
  if (update.snapshot.totalSize === 0n) {
    console.log("ready");
    continue;
  }
  const top = update.snapshot.entries[0].score;
  console.log(JSON.stringify({ totalSize: String(update.snapshot.totalSize), value: String(top.value), initials: top.player.initials }));
  process.exit(0);
}
`;

// Uses each entry point's types; tsc fails when an export or its
// declaration cannot be resolved through the "exports" map.
const TYPES_CHECK = `
import { AuthSession, BoardScope, watchBoard, type WatchBoardResponse } from "@origin-pinball/sdk";
import { createOriginDevice, createOriginNodeClient, type DeviceStream } from "@origin-pinball/sdk/node";
import { createOriginWebClient, type OriginClient } from "@origin-pinball/sdk/web";

const web: OriginClient = createOriginWebClient("http://127.0.0.1:8080");
const node: OriginClient = createOriginNodeClient({ baseUrl: "http://127.0.0.1:50051" });
const session: AuthSession = node.session;
const stream: DeviceStream = createOriginDevice({ baseUrl: "http://127.0.0.1:50051", deviceToken: "x" }).openStream();
const updates: AsyncIterable<WatchBoardResponse> = watchBoard(web.scores, { game: "g", scope: BoardScope.GLOBAL });
export { session, stream, updates };
`;

test("packed SDK: fresh project watches a board", async () => {
  await installPackedSdk();
  writeFileSync(join(project, "watch.mjs"), WATCH_SCRIPT);
  writeFileSync(join(project, "check.ts"), TYPES_CHECK);
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM"],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
      },
      files: ["check.ts"],
    }),
  );
  await run(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: project }).catch((error) => {
    assert.fail(`tsc rejected the packed types:\n${error.stdout}${error.stderr}`);
  });

  const client = createOriginNodeClient({ baseUrl: server.grpcUrl });
  const { machineId, gameId, deviceToken } = await setUpMachine(client, uniqueName("tspack"));
  const watcher = spawn(process.execPath, ["watch.mjs", server.grpcUrl, gameId, machineId], { cwd: project });
  let output = "";
  let errors = "";
  watcher.stdout.on("data", (chunk) => (output += chunk));
  watcher.stderr.on("data", (chunk) => (errors += chunk));
  const exited = new Promise<number | null>((resolve) => watcher.once("exit", resolve));
  const timer = setTimeout(() => watcher.kill("SIGKILL"), SCRIPT_TIMEOUT_MS);

  try {
    while (!output.includes("ready\n")) {
      assert.equal(watcher.exitCode, null, `the watch script exited early:\n${errors}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const device = createOriginDevice({ baseUrl: server.grpcUrl, deviceToken });
    await device.submitScore({ value: 42_000n, player: { case: "initials", value: "PKG" } });

    assert.equal(await exited, 0, `the watch script failed:\n${errors}`);
  } finally {
    clearTimeout(timer);
    watcher.kill();
  }
  const lines = output.trim().split("\n");
  assert.deepEqual(JSON.parse(lines[lines.length - 1]), { totalSize: "1", value: "42000", initials: "PKG" });
});

