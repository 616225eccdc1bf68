"""gRPC transport: check the request, call the domain, build the reply."""
