"""Generated protobuf/gRPC modules (sandbox/gen, made from Protos/ with `-I Protos`).

The generated `_pb2_grpc` modules import their `_pb2` siblings by their proto package
path (`teleport.transport.v1`), so `gen/` goes on sys.path first.
"""

from __future__ import annotations

import os
import sys

GEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen")
if GEN_DIR not in sys.path:
    sys.path.insert(0, GEN_DIR)

from teleport.transport.v1 import transport_service_pb2 as transport_pb2  # noqa: E402
from teleport.transport.v1 import transport_service_pb2_grpc as transport_pb2_grpc  # noqa: E402

__all__ = ["transport_pb2", "transport_pb2_grpc", "GEN_DIR"]
