"""The rules of each area. Nothing here imports grpc."""
