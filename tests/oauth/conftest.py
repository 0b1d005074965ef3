"""Fixtures of the OAuth tests: the fake Xero and the app wired to it."""

from tests.connector_app import browser, sqlite_context, xero_context
from tests.fake_xero import fake_xero

__all__ = ["browser", "fake_xero", "sqlite_context", "xero_context"]
