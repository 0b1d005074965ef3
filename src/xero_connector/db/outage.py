"""Whether an error means the database could not be reached or used just now.

SQLAlchemy wraps the driver's errors (``OperationalError``, ``InterfaceError``, a pool
``TimeoutError``, a ``DBAPIError`` whose connection was invalidated), but asyncpg's refused or
timed-out connection attempt escapes as a plain ``OSError``: that one counts only when it was
raised from inside SQLAlchemy, so an unrelated ``OSError`` is not taken for an outage. The API
answers an outage 503; the sync engine releases its run's lease once the database is back and
retries the slice.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

WRAPPED = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    sa_exc.DisconnectionError,
)


def _raised_in_sqlalchemy(error: BaseException) -> bool:
    tb = error.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("sqlalchemy."):
            return True
        tb = tb.tb_next
    return False


OUTAGE_TYPES = (*WRAPPED, sa_exc.DBAPIError, OSError)
"""Every type an outage may be raised as (each instance is then checked by the function)."""


def is_database_outage(error: BaseException) -> bool:
    """True when ``error`` says the database could not be reached or used just now."""
    if isinstance(error, WRAPPED):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        return bool(error.connection_invalidated)
    return isinstance(error, OSError) and _raised_in_sqlalchemy(error)
