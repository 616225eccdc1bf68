// Accounts, arcades and machines that the tests start from.

import assert from "node:assert/strict";

import type { OriginClient } from "../src/index.js";

export const PASSWORD = "correct horse battery";
export const CALL_TIMEOUT_MS = 10_000;

let counter = 0;

/** Returns a screen name that no other test in this run uses. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

/** Signs up a user and signs `client.session` in as that user. */
export async function signUp(client: OriginClient, name: string): Promise<{ email: string; userId: string }> {
  const email = `${name}@example.com`;
  const created = await client.auth.createUser(
    { email, password: PASSWORD, screenName: name },
    { timeoutMs: CALL_TIMEOUT_MS },
  );
  assert.ok(created.user?.id, "CreateUser returned no user ID");

  const token = await client.session.signIn(email, PASSWORD);
  assert.ok(token.accessToken, "CreateToken returned no access token");
  return { email, userId: created.user.id };
}

/**
 * Signs up an owner with `client`, then creates an arcade and a machine
 * through the session's interceptor, and returns the machine with its
 * device token.
 */
export async function setUpMachine(client: OriginClient, name: string) {
  await signUp(client, name);

  const arcade = await client.arcades.createArcade(
    { displayName: "Flipper Hall", address: "Somewhere 1", latitude: 52.52, longitude: 13.405, timeZone: "Europe/Berlin" },
    { timeoutMs: CALL_TIMEOUT_MS },
  );
  assert.ok(arcade.arcade?.id, "CreateArcade returned no arcade ID");

  const machine = await client.machines.createMachine(
    { arcadeId: arcade.arcade.id, gameTitle: "Attack From Mars (1.13b)" },
    { timeoutMs: CALL_TIMEOUT_MS },
  );
  assert.ok(machine.machine?.id, "CreateMachine returned no machine ID");
  assert.ok(machine.deviceToken, "CreateMachine returned no device token");
  return {
    arcadeId: arcade.arcade.id,
    machineId: machine.machine.id,
    gameId: machine.machine.gameId,
    deviceToken: machine.deviceToken,
  };
}
