"""The sandbox's Accounting API (``/api.xro/2.0``): seeded charts, contacts, invoices, bank
transactions, Xero's validation, idempotency and strict OpenAPI checking
(docs/sandbox.md, "Accounting API" and "Strict mode").
"""

from xero_connector.sandbox.accounting.routes import build_accounting_router
from xero_connector.sandbox.accounting.schema import SpecNotFoundError
from xero_connector.sandbox.accounting.store import AccountingStore

__all__ = ["AccountingStore", "SpecNotFoundError", "build_accounting_router"]
