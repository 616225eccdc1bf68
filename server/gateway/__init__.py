"""The REST/JSON and gRPC-Web gateway in front of the gRPC server.

Routes come from the `google.api.http` rules in the service descriptors, so
no route is written by hand. See `serve.start_gateway`.
"""

from server.gateway.serve import RunningGateway, grpc_target_for, start_gateway

__all__ = ["RunningGateway", "grpc_target_for", "start_gateway"]
