"""Logging: structlog key-value events, one JSON (or console) line each, secrets masked.

Every module logs ``log = get_logger(__name__)`` then ``log.info("event_name", key=value, ...)``.
Those loggers always mask (and render exceptions as masked text) before handing the event to the
standard library's logger of the same name, whether or not ``configure_logging`` ran: embedded in
another application, or under pytest's ``caplog``, the events still arrive masked. The module is
named ``logs`` so that it never shadows the standard ``logging``.

Context: the request id (``api.request_id``), the job seams' ``job``, ``job_id`` and ``job_try``
(:func:`job_log_context`) and the ids a request or task acts on (:func:`bind_log_ids`:
``workspace_id``, ``connection_id``, ``grant_id``, ``run_id``) are structlog context variables, so
every line logged meanwhile carries them.

``configure_logging`` (the composition roots) installs the renderer on the root logger.
Standard-library records (uvicorn, SQLAlchemy, httpx) go through the same processors, so an access
log line such as ``GET /v1/callback?code=...`` is masked too.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from xero_connector.redaction import MASK, is_secret_name, redact


def mask_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Drop the values of secret-named fields and mask credential-shaped strings."""
    for key in list(event_dict):
        if key.startswith("_"):
            continue
        if key != "event" and is_secret_name(key):
            event_dict[key] = MASK
        else:
            event_dict[key] = redact(event_dict[key])
    return event_dict


def _render_exception(_logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    event_dict = structlog.processors.format_exc_info(_logger, method, event_dict)
    if isinstance(event_dict.get("exception"), str):
        event_dict["exception"] = redact(event_dict["exception"])
    return event_dict


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted (captures, redirections)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _render_exception,
    mask_secrets,
]
"""What every event goes through: ours before the standard library, foreign records in it."""


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    """Render every record on stderr from the standard library's root logger (idempotent).

    structlog's global configuration is left alone: ``get_logger`` does not depend on it.
    """
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True


def get_logger(name: str | None = None, **initial: Any) -> structlog.stdlib.BoundLogger:
    """A structlog logger over the standard library's ``name`` logger, masking on its own."""
    logger: structlog.stdlib.BoundLogger = structlog.wrap_logger(
        logging.getLogger(name),
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.stdlib.BoundLogger,
        **initial,
    )
    return logger


def bind_log_ids(**ids: str | None) -> None:
    """Add the ids a request or job acts on to every later log line of it (None: left out)."""
    structlog.contextvars.bind_contextvars(**{k: v for k, v in ids.items() if v is not None})


@contextmanager
def job_log_context(job: str, job_id: str, job_try: int) -> Iterator[None]:
    """Log lines inside carry the job's name, id and try, and nothing a request had bound.

    A job may run in a task made inside a request (dev's in-process runner): its lines must not
    carry that request's id. What was bound before is restored afterwards.
    """
    before = structlog.contextvars.get_contextvars()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(job=job, job_id=job_id, job_try=job_try)
    try:
        yield
    finally:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(**before)
