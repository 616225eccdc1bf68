// Typed Connect clients for every Origin service, over any transport.

import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";

import { AuthSession, type AuthSessionOptions } from "./auth.js";
import { AccountService } from "./gen/origin/v1/account_pb.js";
import { ApiKeyService } from "./gen/origin/v1/api_key_pb.js";
import { ArcadeService } from "./gen/origin/v1/arcade_pb.js";
import { AuthService } from "./gen/origin/v1/auth_pb.js";
import { CheckInService } from "./gen/origin/v1/checkin_pb.js";
import { GameService } from "./gen/origin/v1/game_pb.js";
import { MachineService } from "./gen/origin/v1/machine_pb.js";
import { MachineStatusService } from "./gen/origin/v1/machine_status_pb.js";
import { ModerationService } from "./gen/origin/v1/moderation_pb.js";
import { ScoreService } from "./gen/origin/v1/score_pb.js";
import { SecondFactorService } from "./gen/origin/v1/second_factor_pb.js";
import { SessionService } from "./gen/origin/v1/session_pb.js";
import { StaffService } from "./gen/origin/v1/staff_pb.js";

/** One typed client per Origin service, all sharing one transport. */
export interface OriginClients {
  transport: Transport;
  account: Client<typeof AccountService>;
  apiKeys: Client<typeof ApiKeyService>;
  arcades: Client<typeof ArcadeService>;
  auth: Client<typeof AuthService>;
  checkIns: Client<typeof CheckInService>;
  games: Client<typeof GameService>;
  machines: Client<typeof MachineService>;
  machineStatus: Client<typeof MachineStatusService>;
  moderation: Client<typeof ModerationService>;
  scores: Client<typeof ScoreService>;
  secondFactor: Client<typeof SecondFactorService>;
  sessions: Client<typeof SessionService>;
  staff: Client<typeof StaffService>;
}

/** Creates a typed client for every Origin service over the given transport. */
export function createOriginClients(transport: Transport): OriginClients {
  return {
    transport,
    account: createClient(AccountService, transport),
    apiKeys: createClient(ApiKeyService, transport),
    arcades: createClient(ArcadeService, transport),
    auth: createClient(AuthService, transport),
    checkIns: createClient(CheckInService, transport),
    games: createClient(GameService, transport),
    machines: createClient(MachineService, transport),
    machineStatus: createClient(MachineStatusService, transport),
    moderation: createClient(ModerationService, transport),
    scores: createClient(ScoreService, transport),
    secondFactor: createClient(SecondFactorService, transport),
    sessions: createClient(SessionService, transport),
    staff: createClient(StaffService, transport),
  };
}

/** Typed clients that act as the user signed in through `session`. */
export interface OriginClient extends OriginClients {
  session: AuthSession;
}

export interface OriginClientOptions {
  /** Interceptors for every call, run inside the session's auth interceptor. */
  interceptors?: Interceptor[];
  /** When and how the session refreshes its tokens. */
  auth?: AuthSessionOptions;
}

/**
 * Creates clients whose calls carry the session's access token.
 * `createTransport` is called twice: once for the session's own sign-in and
 * refresh calls, which must not pass through its interceptor, and once for
 * every other call.
 */
export function createOriginClient(
  createTransport: (interceptors: Interceptor[]) => Transport,
  options: OriginClientOptions = {},
): OriginClient {
  const interceptors = options.interceptors ?? [];
  const session = new AuthSession(createTransport(interceptors), options.auth);
  const transport = createTransport([session.interceptor, ...interceptors]);
  return { ...createOriginClients(transport), session };
}
