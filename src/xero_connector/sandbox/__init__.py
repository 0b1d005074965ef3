"""A local stand-in for Xero's identity and accounting APIs (see docs/sandbox.md)."""
