// The Origin API for TypeScript, shared by Node and browsers: the messages
// and service descriptors that `make generate` writes to src/gen, typed
// Connect clients, the auth interceptor and watchBoard. Transports live in
// the "./node" (gRPC over HTTP/2) and "./web" (gRPC-Web) entry points.

export * from "./gen/origin/v1/account_pb.js";
export * from "./gen/origin/v1/api_key_pb.js";
export * from "./gen/origin/v1/arcade_pb.js";
export * from "./gen/origin/v1/auth_pb.js";
export * from "./gen/origin/v1/checkin_pb.js";
export * from "./gen/origin/v1/common_pb.js";
export * from "./gen/origin/v1/game_pb.js";
export * from "./gen/origin/v1/machine_pb.js";
export * from "./gen/origin/v1/machine_status_pb.js";
export * from "./gen/origin/v1/moderation_pb.js";
export * from "./gen/origin/v1/score_pb.js";
export * from "./gen/origin/v1/second_factor_pb.js";
export * from "./gen/origin/v1/session_pb.js";
export * from "./gen/origin/v1/staff_pb.js";

export { AuthSession, type AuthSessionOptions, type AuthTokens } from "./auth.js";
export {
  createOriginClient,
  createOriginClients,
  type OriginClient,
  type OriginClientOptions,
  type OriginClients,
} from "./clients.js";
export { backoffDelay, isTransient, TRANSIENT_CODES, type BackoffOptions } from "./retry.js";
export { watchBoard, type ReconnectEvent, type WatchBoardOptions } from "./watch.js";
