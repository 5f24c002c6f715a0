"""Python code generated from Protos/ by scripts/generate-protos; do not edit.

protoc's Python output imports sibling files by their proto path
(`from teleport.legacy.types import types_pb2`), so this directory goes on
sys.path before any of them is imported.
"""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)
