"""The rate limiter every Xero call passes: per tenant and app-wide, shared by every process.

``Limiter`` (``core``) waits and holds leases over a backend: ``RedisBackend`` (scale-out: Lua
scripts, one round trip per step) or ``MemoryBackend`` (``dev``: one process). The rules are in
``backend``'s docstring; the limits in ``LimitConfig``.
"""

from xero_connector.xero.limiter.backend import LimiterBackend, Verdict
from xero_connector.xero.limiter.config import Feedback, LimitConfig
from xero_connector.xero.limiter.core import Lease, Limiter, LimiterWouldWait
from xero_connector.xero.limiter.memory import MemoryBackend

__all__ = [
    "Feedback",
    "Lease",
    "LimitConfig",
    "Limiter",
    "LimiterBackend",
    "LimiterWouldWait",
    "MemoryBackend",
    "Verdict",
]
