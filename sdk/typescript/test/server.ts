// Starts a real `python -m server` on embedded PostgreSQL for one test file:
// gRPC and the gateway on free ports, data in a temporary directory.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The compiled test runs from sdk/typescript/dist/test/, four levels below the root.
export const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const PYTHON = join(REPO, ".venv", "bin", "python");
const STARTUP_TIMEOUT_MS = 60_000;
const SHUTDOWN_TIMEOUT_MS = 30_000;

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

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** One server process; `restart` keeps its ports and database. */
export class TestServer {
  /** The gRPC address for connect-node, such as "http://127.0.0.1:41234". */
  readonly grpcUrl: string;
  /** The gateway address for connect-web, such as "http://127.0.0.1:41235". */
  readonly httpUrl: string;

  private process: ChildProcess | undefined;

  private constructor(
    private readonly dataDir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly grpcPort: number,
    private readonly httpPort: number,
  ) {
    this.grpcUrl = `http://127.0.0.1:${grpcPort}`;
    this.httpUrl = `http://127.0.0.1:${httpPort}`;
  }

  /** Starts a server with extra environment variables, such as ORIGIN_ACCESS_TOKEN_SECONDS. */
  static async start(settings: Record<string, string> = {}): Promise<TestServer> {
    const dataDir = mkdtempSync(join(tmpdir(), "origin-sdk-ts-"));
    // The embedded PostgreSQL runs as its own system user when the server is
    // started by root, so the directory must be readable by others.
    chmodSync(dataDir, 0o755);

    const grpcPort = await freePort();
    const httpPort = await freePort();
    const env = { ...process.env };
    delete env.DATABASE_URL;
    delete env.TEST_DATABASE_URL;
    Object.assign(env, {
      ORIGIN_DATA_DIR: dataDir,
      ORIGIN_GRPC_ADDR: `127.0.0.1:${grpcPort}`,
      ORIGIN_HTTP_ADDR: `127.0.0.1:${httpPort}`,
      ORIGIN_SHUTDOWN_GRACE_SECONDS: "3",
      ...settings,
    });

    const server = new TestServer(dataDir, env, grpcPort, httpPort);
    await server.spawn();
    return server;
  }

  /** Returns the server's log so far, for assertion messages. */
  log(): string {
    try {
      return readFileSync(join(this.dataDir, "server.log"), "utf8");
    } catch {
      return "(no server log)";
    }
  }

  /** Stops the server with SIGTERM and starts it again on the same ports and data. */
  async restart(): Promise<void> {
    await this.stopProcess();
    await this.spawn();
  }

  /** Stops the server and removes its data. */
  async stop(): Promise<void> {
    try {
      await this.stopProcess();
    } finally {
      rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  private async spawn(): Promise<void> {
    const log = openSync(join(this.dataDir, "server.log"), "a");
    this.process = spawn(PYTHON, ["-m", "server"], { cwd: REPO, env: this.env, stdio: ["ignore", log, log] });
    closeSync(log);
    await this.waitUntilReady();
  }

  // Polls until the gateway returns any HTTP response and the gRPC port
  // accepts connections. The server starts the gateway only after the gRPC
  // services report SERVING.
  private async waitUntilReady(): Promise<void> {
    const child = this.process!;
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`server exited with code ${child.exitCode} before it was ready:\n${this.log()}`);
      }
      try {
        await fetch(`${this.httpUrl}/`, { signal: AbortSignal.timeout(1_000) });
        if (await portOpen(this.grpcPort)) {
          return;
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`server at ${this.httpUrl} was not ready within ${STARTUP_TIMEOUT_MS} ms (timed out):\n${this.log()}`);
  }

  private async stopProcess(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once("exit", (code, signal) => resolve([code, signal])),
    );
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), SHUTDOWN_TIMEOUT_MS);
    const [code, signal] = await exited;
    clearTimeout(timer);
    assert.equal(signal, null, `server was ended by ${signal} instead of exiting after SIGTERM:\n${this.log()}`);
    assert.equal(code, 0, `server exited with code ${code} after SIGTERM:\n${this.log()}`);
  }
}
