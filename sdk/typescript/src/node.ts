// Origin for Node: native gRPC over HTTP/2 to the server's gRPC port with
// @connectrpc/connect-node, and the device helper.

import type { Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager, type GrpcTransportOptions } from "@connectrpc/connect-node";

import { createOriginClient, type OriginClient, type OriginClientOptions } from "./clients.js";
import { OriginDevice, type OriginDeviceOptions } from "./device.js";

export * from "./index.js";
export { DeviceStream, OriginDevice, statusError, type DeviceScore, type DeviceStreamOptions, type OriginDeviceOptions } from "./device.js";

/** Options of the gRPC transport; `baseUrl` is the gRPC address, such as "http://127.0.0.1:50051". */
export type OriginNodeTransportOptions = Omit<GrpcTransportOptions, "interceptors">;

/**
 * Creates clients that call the gRPC server at `baseUrl` over HTTP/2
 * ("http://" for plaintext, "https://" for TLS). The session's sign-in
 * calls and all other calls share one HTTP/2 connection.
 */
export function createOriginNodeClient(
  options: OriginNodeTransportOptions & OriginClientOptions,
): OriginClient {
  const { interceptors, auth, ...transportOptions } = options;
  const sessionManager =
    transportOptions.sessionManager ?? new Http2SessionManager(transportOptions.baseUrl, transportOptions, transportOptions.nodeOptions);
  const createTransport = (chain: Interceptor[]) =>
    createGrpcTransport({ ...transportOptions, sessionManager, interceptors: chain });
  return createOriginClient(createTransport, { interceptors, auth });
}

/** Creates the device of one machine, calling the gRPC server at `baseUrl` over HTTP/2. */
export function createOriginDevice(options: OriginNodeTransportOptions & OriginDeviceOptions): OriginDevice {
  const { deviceToken, timeoutMs, maxAttempts, initialDelayMs, maxDelayMs, ...transportOptions } = options;
  return new OriginDevice(createGrpcTransport(transportOptions), {
    deviceToken,
    timeoutMs,
    maxAttempts,
    initialDelayMs,
    maxDelayMs,
  });
}
