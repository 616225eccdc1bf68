"""Bridge between buf's plugin protocol and grpcio-tools' bundled protoc.

buf sends a CodeGeneratorRequest on stdin. This script writes the request's
descriptors to a temporary descriptor set, runs grpc_tools.protoc with
--grpc_python_out on it, and returns the generated files in a
CodeGeneratorResponse on stdout.
"""

import pathlib
import sys
import tempfile

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc


def main() -> int:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    descriptors = descriptor_pb2.FileDescriptorSet(file=request.proto_file)
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    )

    with tempfile.TemporaryDirectory() as scratch:
        root = pathlib.Path(scratch)
        descriptor_path = root / "descriptors.binpb"
        descriptor_path.write_bytes(descriptors.SerializeToString())
        out = root / "out"
        out.mkdir()
        status = protoc.main(
            ["protoc", f"--descriptor_set_in={descriptor_path}", f"--grpc_python_out={out}"]
            + list(request.file_to_generate)
        )
        if status != 0:
            response.error = f"grpc_tools.protoc failed with exit status {status}"
        else:
            for path in sorted(out.rglob("*.py")):
                response.file.add(name=str(path.relative_to(out)), content=path.read_text())

    sys.stdout.buffer.write(response.SerializeToString())
    return 0


if __name__ == "__main__":
    sys.exit(main())
