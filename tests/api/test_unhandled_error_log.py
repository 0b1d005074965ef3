"""An unhandled error's log line masks the caller's credential without ``configure_logging``.

An application embedded (or made by a test) never calls ``configure_logging``; structlog's
default console renderer then prints tracebacks with every frame's locals, the request's
``Authorization`` header among them.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import structlog

from tests.api.test_problems import assert_problem

API_KEY = "xck_0123456789ab_SuperSecretKeyMaterialThatMustNotBePrinted"


@pytest.fixture
def unconfigured_logging() -> Iterator[None]:
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.mark.usefixtures("unconfigured_logging")
async def test_an_unhandled_error_never_prints_the_callers_key(
    client: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = await client.get("/v1/probe/boom", headers={"Authorization": f"Bearer {API_KEY}"})
    assert_problem(response, 500, "internal_error")
    captured = capsys.readouterr()
    output = captured.out + captured.err + caplog.text  # printed or handed to stdlib logging
    assert "unhandled_error" in output
    assert "RuntimeError" in output  # the traceback is still there, only masked
    assert "SuperSecretKeyMaterial" not in output
    assert "abc123secret" not in output
