"""xero-connector: let a SaaS platform's workspaces connect Xero and stream their ledger into it."""

__version__ = "0.1.0"
