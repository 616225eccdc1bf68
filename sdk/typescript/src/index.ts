// The Origin API for TypeScript: the messages and service descriptors that
// `make generate` writes to src/gen, and typed Connect clients over gRPC-Web.

import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createGrpcWebTransport, type GrpcWebTransportOptions } from "@connectrpc/connect-web";

import { ArcadeService } from "./gen/origin/v1/arcade_pb.js";
import { AuthService } from "./gen/origin/v1/auth_pb.js";
import { CheckInService } from "./gen/origin/v1/checkin_pb.js";
import { GameService } from "./gen/origin/v1/game_pb.js";
import { MachineService } from "./gen/origin/v1/machine_pb.js";
import { MachineStatusService } from "./gen/origin/v1/machine_status_pb.js";
import { ModerationService } from "./gen/origin/v1/moderation_pb.js";
import { ScoreService } from "./gen/origin/v1/score_pb.js";
import { SessionService } from "./gen/origin/v1/session_pb.js";

export * from "./gen/origin/v1/arcade_pb.js";
export * from "./gen/origin/v1/auth_pb.js";
export * from "./gen/origin/v1/checkin_pb.js";
export * from "./gen/origin/v1/common_pb.js";
export * from "./gen/origin/v1/game_pb.js";
export * from "./gen/origin/v1/machine_pb.js";
export * from "./gen/origin/v1/machine_status_pb.js";
export * from "./gen/origin/v1/moderation_pb.js";
export * from "./gen/origin/v1/score_pb.js";
export * from "./gen/origin/v1/session_pb.js";

/** One typed client per Origin service, all sharing one transport. */
export interface OriginClients {
  transport: Transport;
  arcades: Client<typeof ArcadeService>;
  auth: Client<typeof AuthService>;
  checkIns: Client<typeof CheckInService>;
  games: Client<typeof GameService>;
  machines: Client<typeof MachineService>;
  machineStatus: Client<typeof MachineStatusService>;
  moderation: Client<typeof ModerationService>;
  scores: Client<typeof ScoreService>;
  sessions: Client<typeof SessionService>;
}

/** Creates a typed client for every Origin service over the given transport. */
export function createOriginClients(transport: Transport): OriginClients {
  return {
    transport,
    arcades: createClient(ArcadeService, transport),
    auth: createClient(AuthService, transport),
    checkIns: createClient(CheckInService, transport),
    games: createClient(GameService, transport),
    machines: createClient(MachineService, transport),
    machineStatus: createClient(MachineStatusService, transport),
    moderation: createClient(ModerationService, transport),
    scores: createClient(ScoreService, transport),
    sessions: createClient(SessionService, transport),
  };
}

/**
 * Creates typed clients that call the gateway at `baseUrl` (for example
 * "http://127.0.0.1:8080") with gRPC-Web. The gateway accepts the binary
 * format only, so `useBinaryFormat` defaults to true here.
 */
export function createOriginWebClient(
  baseUrl: string,
  options: Partial<Omit<GrpcWebTransportOptions, "baseUrl">> = {},
): OriginClients {
  const transport = createGrpcWebTransport({ useBinaryFormat: true, ...options, baseUrl });
  return createOriginClients(transport);
}
