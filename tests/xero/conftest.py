"""The fake Xero and a XeroIdentity pointed at it."""

from tests.fake_xero import fake_xero, identity

__all__ = ["fake_xero", "identity"]
