"""Fixtures of the hostile-input tests: the fake Xero and the app wired to it."""

from tests.connector_app import browser, xero_context
from tests.fake_xero import fake_xero

__all__ = ["browser", "fake_xero", "xero_context"]
