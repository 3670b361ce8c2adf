"""The draw's randomness, which anyone can check once the seed is revealed.

The seed of a release is HMAC-SHA256 keyed by the server's ``draw_secret`` over
``"<office id>:<release moment, ISO 8601 UTC>"``, as 64 hex digits. Its SHA-256
(``seed_hash``, of the seed's 32 bytes) is published when requests open; the seed
is revealed at the draw. The drawn order sorts the request ids by
``sha256(seed bytes || decimal request id)``: a deterministic function of the
seed and the ids, unknown to anyone (the server included, once the seed is
committed to) before requests close.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import UTC, datetime


def seed_of(key: bytes, office_id: int, release_at: datetime) -> str:
    """The secret seed of an office's release moment, as hex."""
    message = f"{office_id}:{release_at.astimezone(UTC).isoformat()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seed_hash(seed: str) -> str:
    """The published commitment to a seed: hex SHA-256 of its bytes."""
    return hashlib.sha256(bytes.fromhex(seed)).hexdigest()


def drawn_order(seed: str, request_ids: Iterable[int]) -> list[int]:
    """The request ids in drawn order."""
    raw = bytes.fromhex(seed)
    return sorted(request_ids, key=lambda i: (hashlib.sha256(raw + str(i).encode()).digest(), i))
