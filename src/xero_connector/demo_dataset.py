"""The demo dataset: a small, realistic set of contacts, invoices and bank transactions.

One source for both ways of loading it: ``xero-connector demo-data`` ingests it through the
ingestion service, and the integration page posts ``ui/static/demo-data.json`` (written from this
module by ``python -m xero_connector.demo_dataset --write``; a test keeps the two equal) through
the public ingestion API.

Its platform keys are the kind every organisation can map with the suggestions: categories named
as in Xero's standard charts (``Sales``, ``Advertising``, ``Bank Fees`` ...), the tax codes
``Standard sales`` and ``Standard purchases`` (the organisation's default tax types) and the money
account ``Business Bank Account``. One contact, ``ABC Furniture``, has the name of a contact
Xero's Demo Company (AU) already has, so Xero refuses it there (names are unique among active
contacts) and the invoice to it waits for it: the page's failed and blocked lists have something
to show.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

Item = dict[str, Any]
STATIC_JSON = Path(__file__).resolve().parent / "ui" / "static" / "demo-data.json"
KINDS = ("contacts", "invoices", "bank_transactions")
"""The dataset's parts, in the order they are ingested (documents name their contacts)."""

SALES_TAX, PURCHASE_TAX = "Standard sales", "Standard purchases"
MONEY_ACCOUNT = "Business Bank Account"

# external id, name, first name, last name, city; customers first, then suppliers.
_CUSTOMERS = (
    ("cust-ridgeway", "Ridgeway University", "Amelia", "Hart", "Brisbane"),
    ("cust-harbour", "Harbour View Dental", "Noah", "Finch", "Sydney"),
    ("cust-bluegum", "Bluegum Cafe", "Isla", "Moreton", "Melbourne"),
    ("cust-summit", "Summit Physiotherapy", "Leo", "Grant", "Perth"),
    ("cust-kestrel", "Kestrel Design Studio", "Ruby", "Sato", "Adelaide"),
    ("cust-northwind", "Northwind Builders", "Jack", "Okafor", "Hobart"),
    ("cust-lantern", "Lantern Books", "Chloe", "Byrne", "Canberra"),
    ("cust-abc", "ABC Furniture", "Grace", "Wells", "Sydney"),
)
_SUPPLIERS = (
    ("supp-printhouse", "Printhouse Media", "Oscar", "Reid", "Brisbane"),
    ("supp-metro", "Metro Office Leasing", "Mia", "Novak", "Sydney"),
    ("supp-clearline", "Clearline Telecom", "Ethan", "Vu", "Melbourne"),
    ("supp-greenfield", "Greenfield Cleaning", "Zoe", "Patel", "Brisbane"),
    ("supp-brightads", "Bright Ads Online", "Lucas", "Moreau", "Sydney"),
    ("supp-ledger", "Ledger & Co Accountants", "Ava", "Kaur", "Perth"),
)


def _contact(external_id: str, name: str, first: str, last: str, city: str) -> Item:
    domain = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
    return {
        "external_id": external_id,
        "name": name,
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}@{domain}.example",
        "address": {"line1": "1 Demo Street", "city": city, "country": "Australia"},
    }


def _line(description: str, category: str, amount: str, tax: str, quantity: str = "1") -> Item:
    return {
        "description": description,
        "quantity": quantity,
        "unit_amount": amount,
        "category": category,
        "tax_code": tax,
    }


def _sale(n: int, contact: str, day: str, lines: list[Item], status: str = "authorised") -> Item:
    return {
        "external_id": f"inv-{n}",
        "type": "sales",
        "number": f"DEMO-{n}",
        "contact_external_id": contact,
        "issue_date": f"2026-{day}",
        "due_date": f"2026-{_due(day)}",
        "status": status,
        "lines": lines,
    }


def _bill(n: int, contact: str, day: str, lines: list[Item], reference: str) -> Item:
    return {
        "external_id": f"bill-{n}",
        "type": "purchase",
        "reference": reference,
        "contact_external_id": contact,
        "issue_date": f"2026-{day}",
        "due_date": f"2026-{_due(day)}",
        "lines": lines,
    }


def _due(day: str) -> str:
    """A month later (the next month's same day, at most its 28th); the set ends in November."""
    month, date = (int(part) for part in day.split("-"))
    return f"{month + 1:02d}-{min(date, 28):02d}"


def _contacts() -> list[Item]:
    return [_contact(*row) for row in (*_CUSTOMERS, *_SUPPLIERS)]


def _invoices() -> list[Item]:
    consulting = _line("Consulting, per hour", "Sales", "180.00", SALES_TAX, "6")
    workshop = _line("Half-day workshop", "Sales", "950.00", SALES_TAX)
    licence = _line("Software licence, annual", "Sales", "1200.00", SALES_TAX)
    support = _line("Support plan, monthly", "Other Revenue", "149.00", SALES_TAX)
    travel = _line("Travel recharge", "Other Revenue", "86.40", SALES_TAX)
    customers = [row[0] for row in _CUSTOMERS if row[0] != "cust-abc"]
    sales = [
        _sale(1001, customers[0], "10-02", [consulting, travel]),
        _sale(1002, customers[1], "10-05", [licence]),
        _sale(1003, customers[2], "10-07", [support]),
        _sale(1004, customers[3], "10-12", [workshop, consulting]),
        _sale(1005, customers[4], "10-14", [licence, support]),
        _sale(1006, customers[5], "10-19", [consulting]),
        _sale(1007, customers[6], "10-21", [workshop]),
        _sale(1008, customers[0], "10-26", [support]),
        _sale(1009, customers[1], "11-02", [consulting, travel]),
        _sale(1010, customers[2], "11-04", [workshop]),
        _sale(1011, customers[3], "11-09", [support]),
        _sale(1012, customers[4], "11-11", [consulting]),
        _sale(1013, customers[5], "11-16", [licence]),
        _sale(1014, customers[6], "11-18", [workshop, travel]),
        _sale(1015, customers[0], "11-23", [consulting], status="draft"),
        _sale(1016, customers[1], "11-25", [support], status="draft"),
        _sale(1017, customers[2], "11-27", [licence], status="void"),
        _sale(1018, "cust-abc", "11-30", [workshop]),  # waits for a contact Xero refuses (AU)
    ]
    bills = [
        _bill(
            1,
            "supp-printhouse",
            "10-03",
            [_line("Brochures, 500", "Advertising", "640.00", PURCHASE_TAX)],
            "PH-2291",
        ),
        _bill(
            2,
            "supp-metro",
            "10-01",
            [_line("Office rent, October", "Rent", "3200.00", PURCHASE_TAX)],
            "ML-10",
        ),
        _bill(
            3,
            "supp-metro",
            "11-01",
            [_line("Office rent, November", "Rent", "3200.00", PURCHASE_TAX)],
            "ML-11",
        ),
        _bill(
            4,
            "supp-clearline",
            "10-15",
            [_line("Phone and internet", "General Expenses", "189.95", PURCHASE_TAX)],
            "CT-7781",
        ),
        _bill(
            5,
            "supp-greenfield",
            "10-31",
            [_line("Office cleaning, October", "General Expenses", "420.00", PURCHASE_TAX)],
            "GC-310",
        ),
        _bill(
            6,
            "supp-brightads",
            "11-06",
            [
                _line("Search ads, November", "Advertising", "750.00", PURCHASE_TAX),
                _line("Display ads, November", "Advertising", "250.00", PURCHASE_TAX),
            ],
            "BA-1106",
        ),
        _bill(
            7,
            "supp-ledger",
            "11-20",
            [_line("Bookkeeping, quarterly", "General Expenses", "880.00", PURCHASE_TAX)],
            "LC-Q4",
        ),
    ]
    return sales + bills


def _bank(n: int, kind: str, contact: str, day: str, line: Item, reference: str) -> Item:
    return {
        "external_id": f"bank-{n}",
        "type": kind,
        "money_account": MONEY_ACCOUNT,
        "contact_external_id": contact,
        "date": f"2026-{day}",
        "reference": reference,
        "lines": [line],
    }


def _bank_transactions() -> list[Item]:
    fee = _line("Account keeping fee", "Bank Fees", "12.50", PURCHASE_TAX)
    return [
        _bank(
            1,
            "receive",
            "cust-bluegum",
            "10-09",
            _line("Card sale, catering", "Sales", "245.00", SALES_TAX),
            "POS-0931",
        ),
        _bank(
            2,
            "receive",
            "cust-lantern",
            "10-22",
            _line("Card sale, event tickets", "Sales", "360.00", SALES_TAX),
            "POS-1022",
        ),
        _bank(3, "spend", "supp-clearline", "10-31", fee, "FEE-OCT"),
        _bank(
            4,
            "spend",
            "supp-greenfield",
            "11-03",
            _line("Cleaning supplies", "General Expenses", "74.20", PURCHASE_TAX),
            "CARD-4471",
        ),
        _bank(
            5,
            "receive",
            "cust-summit",
            "11-08",
            _line("Workshop deposit", "Other Revenue", "300.00", SALES_TAX),
            "DEP-1108",
        ),
        _bank(
            6,
            "spend",
            "supp-printhouse",
            "11-12",
            _line("Business cards", "Advertising", "95.00", PURCHASE_TAX),
            "CARD-4502",
        ),
        _bank(
            7,
            "receive",
            "cust-kestrel",
            "11-17",
            _line("Card sale, licence", "Sales", "1200.00", SALES_TAX),
            "POS-1117",
        ),
        _bank(
            8,
            "spend",
            "supp-brightads",
            "11-21",
            _line("Social ads top-up", "Advertising", "150.00", PURCHASE_TAX),
            "CARD-4533",
        ),
        _bank(9, "spend", "supp-clearline", "11-30", fee, "FEE-NOV"),
        _bank(
            10,
            "receive",
            "cust-northwind",
            "11-30",
            _line("Card sale, consulting", "Sales", "540.00", SALES_TAX),
            "POS-1130",
        ),
    ]


def dataset() -> dict[str, list[Item]]:
    """The whole set: ``{contacts, invoices, bank_transactions}``, each a list of items in the
    ingestion API's shapes."""
    return {
        "contacts": _contacts(),
        "invoices": _invoices(),
        "bank_transactions": _bank_transactions(),
    }


def as_json() -> str:
    """The dataset as ``demo-data.json`` holds it."""
    return json.dumps(dataset(), indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Print (or --write) the page's demo-data.json.")
    parser.add_argument("--write", action="store_true", help=f"write {STATIC_JSON.name}")
    if parser.parse_args().write:
        STATIC_JSON.write_text(as_json())
    else:
        print(as_json(), end="")


if __name__ == "__main__":
    main()
