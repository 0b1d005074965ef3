"""Builds a tenant's ``Ledger`` from its seeded chart: organisation, accounts, tax rates, tracking.

Ids of seeded objects are name-based UUIDs of (tenant, kind, key), so they are the same on every run
and after every reset.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from xero_connector.sandbox.accounting.charts_data import CHARTS, ChartSeed
from xero_connector.sandbox.accounting.ledger import (
    ACCOUNT_CLASSES,
    SEED_MS,
    Account,
    Body,
    Ledger,
    TaxRate,
    TrackingCategory,
    TrackingOption,
)

__all__ = ["SEED_MS", "build_ledger", "organisation_body", "seed_id"]
from xero_connector.sandbox.accounting.msdates import ms_timestamp, organisation_zone
from xero_connector.sandbox.world import Organisation

_NAMESPACE = uuid.UUID("6f1d9a52-7c3e-4b8a-9e61-0d2c5b4a3f10")
_CLASS_FLAGS = {
    "R": "CanApplyToRevenue",
    "E": "CanApplyToExpenses",
    "A": "CanApplyToAssets",
    "L": "CanApplyToLiabilities",
    "Q": "CanApplyToEquity",
}
_FLAG_CLASS = {"R": "REVENUE", "E": "EXPENSE", "A": "ASSET", "L": "LIABILITY", "Q": "EQUITY"}
_VERSIONS = {"AU": "AU", "GB": "UK", "US": "US", "NZ": "NZ"}


def seed_id(tenant_id: str, kind: str, key: str) -> str:
    """A stable id for a seeded object."""
    return str(uuid.uuid5(_NAMESPACE, f"{tenant_id}:{kind}:{key}"))


def organisation_body(org: Organisation) -> Body:
    """GET /Organisation's element for a seeded organisation."""
    pays_tax = org.country != "US"
    return {
        "OrganisationID": org.tenant_id,  # Xero: the same GUID as the connection's tenantId
        "APIKey": seed_id(org.tenant_id, "apikey", org.short_code).replace("-", "")[:30].upper(),
        "Name": org.name,
        "LegalName": f"{org.name} Pty Ltd" if org.country == "AU" else f"{org.name} Ltd",
        "PaysTax": pays_tax,
        "Version": _VERSIONS.get(org.country, "GLOBAL"),
        "OrganisationType": "COMPANY",
        "OrganisationEntityType": "COMPANY",
        "BaseCurrency": org.base_currency,
        "CountryCode": org.country,
        "IsDemoCompany": True,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 30 if org.country == "AU" else 31,
        "FinancialYearEndMonth": 6 if org.country == "AU" else (3 if org.country == "GB" else 12),
        "SalesTaxBasis": {"AU": "ACCRUALS", "GB": "ACCRUAL", "US": "ACCRUAL"}.get(
            org.country, "NONE"
        ),
        "SalesTaxPeriod": "QUARTERLY1" if pays_tax else "NONE",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Inclusive",
        "CreatedDateUTC": ms_timestamp(SEED_MS),
        "Timezone": org.timezone,
        "ShortCode": org.short_code,
        "Class": "DEMO",
        "Edition": "BUSINESS",
        "LineOfBusiness": "Professional services",
        "Addresses": [],
        "Phones": [],
        "ExternalLinks": [],
        "PaymentTerms": {},
    }


def _account(org: Organisation, seed_row: tuple[str, ...], currency: str) -> Account:
    code, name, type_, tax_type, status, system, bank_number = seed_row
    account_id = seed_id(org.tenant_id, "account", code)
    account_class = ACCOUNT_CLASSES[type_]
    body: Body = {
        "AccountID": account_id,
        "Code": code,
        "Name": name,
        "Status": status,
        "Type": type_,
        "TaxType": tax_type,
        "Class": account_class,
        "EnablePaymentsToAccount": type_ == "BANK",
        "ShowInExpenseClaims": account_class == "EXPENSE",
        "ReportingCode": account_class[:3],
        "HasAttachments": False,
        "UpdatedDateUTC": ms_timestamp(SEED_MS),
        "AddToWatchlist": False,
    }
    if system:
        body["SystemAccount"] = system
    if type_ == "BANK":
        body.update(BankAccountNumber=bank_number, BankAccountType="BANK", CurrencyCode=currency)
    return Account(account_id, code, name, type_, account_class, status, tax_type, system, body)


def _tax_rate(seed_row: ChartSeed, index: int) -> TaxRate:
    row = seed_row.tax_rates[index]
    rate = Decimal(row.rate)
    body: Body = {
        "Name": row.name,
        "TaxType": row.tax_type,
        "ReportTaxType": row.report_tax_type,
        "Status": row.status,
        "DisplayTaxRate": rate,
        "EffectiveRate": rate,
        "TaxComponents": [
            {
                "Name": c.name,
                "Rate": Decimal(c.rate),
                "IsCompound": c.compound,
                "IsNonRecoverable": False,
            }
            for c in row.components
        ]
        or [{"Name": row.name, "Rate": rate, "IsCompound": False, "IsNonRecoverable": False}],
    }
    for letter, flag in _CLASS_FLAGS.items():
        body[flag] = letter in row.applies
    applies = frozenset(_FLAG_CLASS[letter] for letter in row.applies)
    return TaxRate(row.tax_type, row.name, rate, row.status, applies, body)


def _tracking(org: Organisation, seed: ChartSeed) -> list[TrackingCategory]:
    categories = []
    for row in seed.tracking:
        category_id = seed_id(org.tenant_id, "tracking", row.name)
        options: dict[str, TrackingOption] = {}
        for name in row.options + row.archived_options:
            status = "ARCHIVED" if name in row.archived_options else "ACTIVE"
            option_id = seed_id(org.tenant_id, "tracking-option", f"{row.name}/{name}")
            options[name.lower()] = TrackingOption(option_id, name, status)
        body: Body = {
            "TrackingCategoryID": category_id,
            "Name": row.name,
            "Status": row.status,
            "Options": [
                {"TrackingOptionID": o.option_id, "Name": o.name, "Status": o.status}
                for o in options.values()
            ],
        }
        categories.append(TrackingCategory(category_id, row.name, row.status, options, body))
    return categories


def build_ledger(org: Organisation) -> Ledger:
    """A ledger holding the organisation's seeded chart (no documents yet)."""
    seed = CHARTS.get(org.country, CHARTS["US"])
    ledger = Ledger(
        organisation=org,
        zone=organisation_zone(org.timezone),
        organisation_body=organisation_body(org),
        currencies=frozenset(seed.currencies) | {org.base_currency},
    )
    for row in seed.accounts:
        account = _account(org, tuple(row), org.base_currency)
        ledger.accounts[account.code] = account
        ledger.accounts_by_id[account.account_id] = account
    for index in range(len(seed.tax_rates)):
        rate = _tax_rate(seed, index)
        ledger.tax_rates[rate.tax_type] = rate
    for category in _tracking(org, seed):
        ledger.tracking[category.name.lower()] = category
        ledger.tracking_by_id[category.category_id] = category
    return ledger
