"""A deterministic local replica of rki.news for the demo and the tests."""

from replica.server import ReplicaServer, ReplicaSite

__all__ = ["ReplicaServer", "ReplicaSite"]
