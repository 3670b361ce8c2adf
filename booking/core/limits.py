"""The limits of what an admin, the CLI or the offices file may set, in one place."""

from __future__ import annotations

from booking.core.errors import InvalidQuota

MAX_QUOTA = 100_000


def check_quota(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_QUOTA:
        raise InvalidQuota(value)
    return value


# The most a session's share of the day may be.
MAX_SHARE = 1000
# Dates open at most this many days after a release moment.
MAX_WINDOW_DAYS = 366
# Draw mode: requests open at most this many hours (two weeks) before a release moment.
MAX_REQUEST_WINDOW_HOURS = 336
# A single change may cover at most this many dates (a year and a day).
MAX_RANGE_DAYS = 366
# Telegram user ids are positive and fit in 52 bits.
MAX_TELEGRAM_ID = 2**52
