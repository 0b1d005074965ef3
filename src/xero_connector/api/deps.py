"""``Annotated`` dependency aliases, so routes read like prose.

- ``ContextDep``: the :class:`~xero_connector.context.AppContext`.
- ``SessionDep``: one session per request; committed after the handler returns and *before* the
  response is sent (``scope="function"``), rolled back when the handler raises. Jobs recorded on
  its ``AfterCommitJobs`` (``JobsDep``) are enqueued right after a commit, never after a rollback.
- ``JobsDep``: the request's ``AfterCommitJobs`` (None when the app has no dispatcher).
- ``CallerDep``: the authenticated :class:`~xero_connector.auth.Caller`; 401 without one. It is
  looked up (and the key's use recorded) in a session of its own, committed at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.auth.caller import Caller
from xero_connector.context import AppContext
from xero_connector.db.unit_of_work import committing
from xero_connector.errors import ServiceUnavailable
from xero_connector.jobs.after_commit import AfterCommitJobs, enqueue_after_commit, jobs_of
from xero_connector.logs import bind_log_ids


def get_context(request: Request) -> AppContext:
    context: AppContext | None = getattr(request.app.state, "context", None)
    if context is None:
        raise ServiceUnavailable("the application is not started")
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_session(context: ContextDep) -> AsyncIterator[AsyncSession]:
    async with (
        context.session_factory() as session,
        enqueue_after_commit(session, context.dispatcher),
        committing(session),
    ):
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def get_jobs(session: SessionDep) -> AfterCommitJobs | None:
    return jobs_of(session)


JobsDep = Annotated[AfterCommitJobs | None, Depends(get_jobs)]

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API key (xck_...) or a dashboard JWT.",
)


async def get_caller(
    context: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller:
    """Authenticate in a short session of its own, committed before the route runs.

    The key's ``last_used_at`` touch must not stay uncommitted in the request's session: on
    SQLite that holds the only write lock, and a route asking ``TokenService`` (which writes
    from its own sessions) for a token would wait for it until "database is locked".
    """
    credential = credentials.credentials if credentials is not None else None
    async with context.session_factory() as session, committing(session):
        caller = await context.authenticator.authenticate(session, credential)
    bind_log_ids(actor=caller.actor)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
