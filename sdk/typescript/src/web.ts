// Origin for browsers (and any runtime with fetch): gRPC-Web through the
// server's HTTP gateway with @connectrpc/connect-web.

import type { Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport, type GrpcWebTransportOptions } from "@connectrpc/connect-web";

import { createOriginClient, type OriginClient, type OriginClientOptions } from "./clients.js";

export * from "./index.js";

/** Options of the gRPC-Web transport, other than `baseUrl` and `interceptors`. */
export type OriginWebTransportOptions = Partial<Omit<GrpcWebTransportOptions, "baseUrl" | "interceptors">>;

/**
 * Creates clients that call the gateway at `baseUrl` (for example
 * "http://127.0.0.1:8080") with gRPC-Web. The gateway accepts the binary
 * format only, so `useBinaryFormat` defaults to true here.
 */
export function createOriginWebClient(
  baseUrl: string,
  options: OriginWebTransportOptions & OriginClientOptions = {},
): OriginClient {
  const { interceptors, auth, ...transportOptions } = options;
  const createTransport = (chain: Interceptor[]) =>
    createGrpcWebTransport({ useBinaryFormat: true, ...transportOptions, baseUrl, interceptors: chain });
  return createOriginClient(createTransport, { interceptors, auth });
}
