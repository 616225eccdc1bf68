// The session's auth interceptor against a server whose access tokens live
// 4 seconds: refresh shortly before expiry, once after Unauthenticated, one
// shared refresh for concurrent calls, and sign-out when refresh fails.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Code, ConnectError } from "@connectrpc/connect";

import { createOriginNodeClient, type AuthTokens } from "../src/node.js";
import { CALL_TIMEOUT_MS, signUp, uniqueName } from "./fixtures.js";
import { TestServer } from "./server.js";

const ACCESS_TOKEN_SECONDS = 4;
// The session refreshes when less than half of so short a lifetime is left.
const UNTIL_REFRESH_MS = (ACCESS_TOKEN_SECONDS * 1000) / 2 + 200;

let server: TestServer;

before(async () => {
  server = await TestServer.start({ ORIGIN_ACCESS_TOKEN_SECONDS: String(ACCESS_TOKEN_SECONDS) });
});

after(async () => {
  await server?.stop();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// A client whose session records every pair of tokens it receives.
function recordingClient() {
  const issued: AuthTokens[] = [];
  const client = createOriginNodeClient({ baseUrl: server.grpcUrl, auth: { onTokens: (tokens) => issued.push(tokens) } });
  return { client, issued };
}

test("auth: refresh before expiry", async () => {
  const { client, issued } = recordingClient();
  const name = uniqueName("tsrefresh");
  await signUp(client, name);
  assert.equal(issued.length, 1);
  assert.equal(issued[0].lifetimeMs, ACCESS_TOKEN_SECONDS * 1000);

  await client.auth.getCurrentUser({}, { timeoutMs: CALL_TIMEOUT_MS });
  assert.equal(issued.length, 1, "a fresh access token was refreshed");

  await sleep(UNTIL_REFRESH_MS);
  const me = await client.auth.getCurrentUser({}, { timeoutMs: CALL_TIMEOUT_MS });
  assert.equal(me.user?.screenName, name);
  assert.equal(issued.length, 2, "the access token was not refreshed before it expired");
  assert.notEqual(issued[1].accessToken, issued[0].accessToken);
  assert.notEqual(issued[1].refreshToken, issued[0].refreshToken);
});

test("auth: refresh once after Unauthenticated", async () => {
  const { client, issued } = recordingClient();
  await signUp(client, uniqueName("tsreject"));
  const expired = issued[0];

  // The session takes the expired token as valid for an hour, so only the
  // server's rejection can start the refresh.
  await sleep(ACCESS_TOKEN_SECONDS * 1000 + 200);
  client.session.setTokens({ accessToken: expired.accessToken, refreshToken: expired.refreshToken, expiresIn: 3600n });
  const before = issued.length;

  const me = await client.auth.getCurrentUser({}, { timeoutMs: CALL_TIMEOUT_MS });
  assert.ok(me.user?.id, "GetCurrentUser returned no user after the refresh");
  assert.equal(issued.length, before + 1, "expected exactly one refresh");
  assert.notEqual(client.session.current?.accessToken, expired.accessToken);
});

test("auth: concurrent calls share one refresh", async () => {
  const { client, issued } = recordingClient();
  await signUp(client, uniqueName("tsshared"));

  await sleep(UNTIL_REFRESH_MS);
  const replies = await Promise.all(
    Array.from({ length: 5 }, () => client.auth.getCurrentUser({}, { timeoutMs: CALL_TIMEOUT_MS })),
  );
  assert.equal(replies.length, 5);
  assert.equal(issued.length, 2, "concurrent calls refreshed more than once");
});

test("auth: rejected refresh token signs out", async () => {
  const { client } = recordingClient();
  await signUp(client, uniqueName("tssignout"));

  client.session.setTokens({ accessToken: "not-a-token", refreshToken: "not-a-refresh-token", expiresIn: 3600n });
  const rejected = await client.auth.getCurrentUser({}, { timeoutMs: CALL_TIMEOUT_MS }).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(rejected instanceof ConnectError, `expected a ConnectError, got ${String(rejected)}`);
  assert.equal(rejected.code, Code.Unauthenticated);
  assert.equal(client.session.current, undefined, "the session kept tokens that the server rejected");
});
