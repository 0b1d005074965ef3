"""The seeded charts of accounts, tax rates and tracking categories, per organisation country.

Modelled on the shape of Xero's demo companies (codes, types, default tax codes, system accounts),
trimmed to what a ledger sync touches. Tax rate ``applies`` letters: R revenue, E expenses, A
assets, L liabilities, Q equity (the ``CanApplyTo*`` flags).
"""

from __future__ import annotations

from typing import NamedTuple


class AccountSeed(NamedTuple):
    code: str
    name: str
    type: str
    tax_type: str
    status: str = "ACTIVE"
    system: str = ""
    bank_number: str = ""


class TaxComponentSeed(NamedTuple):
    name: str
    rate: str
    compound: bool = False


class TaxRateSeed(NamedTuple):
    tax_type: str
    name: str
    rate: str
    report_tax_type: str
    applies: str
    status: str = "ACTIVE"
    components: tuple[TaxComponentSeed, ...] = ()


class TrackingSeed(NamedTuple):
    name: str
    options: tuple[str, ...]
    archived_options: tuple[str, ...] = ()
    status: str = "ACTIVE"


class ChartSeed(NamedTuple):
    accounts: tuple[AccountSeed, ...]
    tax_rates: tuple[TaxRateSeed, ...]
    tracking: tuple[TrackingSeed, ...]
    currencies: tuple[str, ...]
    contacts: tuple[tuple[str, str, str], ...]  # name, contact number, status


A = AccountSeed
T = TaxRateSeed

_AU = ChartSeed(
    accounts=(
        A("090", "Business Bank Account", "BANK", "BASEXCLUDED", bank_number="082-001 12345678"),
        A("091", "Business Savings Account", "BANK", "BASEXCLUDED", bank_number="082-001 87654321"),
        A("200", "Sales", "REVENUE", "OUTPUT"),
        A("260", "Other Revenue", "REVENUE", "OUTPUT"),
        A("270", "Interest Income", "REVENUE", "INPUTTAXED"),
        A("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT"),
        A("400", "Advertising", "EXPENSE", "INPUT"),
        A("404", "Bank Fees", "EXPENSE", "EXEMPTEXPENSES"),
        A("412", "Consulting & Accounting", "EXPENSE", "INPUT"),
        A("420", "Entertainment", "EXPENSE", "BASEXCLUDED"),
        A("429", "General Expenses", "EXPENSE", "INPUT"),
        A("433", "Insurance", "EXPENSE", "INPUT"),
        A("453", "Office Expenses", "EXPENSE", "INPUT"),
        A("455", "Printing (old)", "EXPENSE", "INPUT", status="ARCHIVED"),
        A("469", "Rent", "OVERHEADS", "INPUT"),
        A("477", "Wages and Salaries", "EXPENSE", "BASEXCLUDED"),
        A("478", "Superannuation", "EXPENSE", "BASEXCLUDED"),
        A("489", "Telephone & Internet", "EXPENSE", "INPUT"),
        A("493", "Travel - National", "EXPENSE", "INPUT"),
        A("494", "Travel - International", "EXPENSE", "EXEMPTEXPENSES"),
        A("610", "Accounts Receivable", "CURRENT", "BASEXCLUDED", system="DEBTORS"),
        A("620", "Prepayments", "CURRENT", "BASEXCLUDED"),
        A("710", "Office Equipment", "FIXED", "CAPEXINPUT"),
        A("800", "Accounts Payable", "CURRLIAB", "BASEXCLUDED", system="CREDITORS"),
        A("820", "GST", "CURRLIAB", "BASEXCLUDED", system="GST"),
        A("825", "PAYG Withholdings Payable", "CURRLIAB", "BASEXCLUDED"),
        A("840", "Historical Adjustment", "CURRLIAB", "BASEXCLUDED", system="HISTORICAL"),
        A("860", "Rounding", "CURRLIAB", "BASEXCLUDED", system="ROUNDING"),
        A("877", "Tracking Transfers", "CURRENT", "BASEXCLUDED", system="TRACKINGTRANSFERS"),
        A("960", "Retained Earnings", "EQUITY", "BASEXCLUDED", system="RETAINEDEARNINGS"),
        A("970", "Owner A Funds Introduced", "EQUITY", "BASEXCLUDED"),
    ),
    tax_rates=(
        T("OUTPUT", "GST on Income", "10.0000", "OUTPUT", "RAL"),
        T("INPUT", "GST on Expenses", "10.0000", "INPUT", "EAL"),
        T("EXEMPTOUTPUT", "GST Free Income", "0.0000", "OUTPUT", "RAL"),
        T("EXEMPTEXPENSES", "GST Free Expenses", "0.0000", "INPUT", "EAL"),
        T("EXEMPTEXPORT", "GST Free Exports", "0.0000", "OUTPUT", "R"),
        T("CAPEXINPUT", "GST on Capital", "10.0000", "INPUT", "A"),
        T("INPUTTAXED", "Input Taxed", "0.0000", "INPUTTAXED", "REA"),
        T("GSTONIMPORTS", "GST on Imports", "0.0000", "GSTONIMPORTS", "EAL"),
        T("BASEXCLUDED", "BAS Excluded", "0.0000", "BASEXCLUDED", "REALQ"),
        T("TAX001", "Wine Equalisation Tax (old)", "29.0000", "OUTPUT", "R", status="DELETED"),
    ),
    tracking=(
        TrackingSeed("Region", ("North", "South", "East", "West"), archived_options=("Central",)),
        TrackingSeed("Department", ("Sales", "Marketing", "Operations")),
    ),
    currencies=("AUD", "USD", "NZD"),
    contacts=(
        ("ABC Furniture", "CUST-001", "ACTIVE"),
        ("Bayside Club", "CUST-002", "ACTIVE"),
        ("City Limousines", "SUPP-001", "ACTIVE"),
        ("Pinnacle Office Supplies", "SUPP-002", "ACTIVE"),
        ("Old Printing Co", "SUPP-099", "ARCHIVED"),
    ),
)

_UK = ChartSeed(
    accounts=(
        A("090", "Business Current Account", "BANK", "NONE", bank_number="20-00-00 12345678"),
        A("091", "Business Savings Account", "BANK", "NONE", bank_number="20-00-00 87654321"),
        A("200", "Sales", "REVENUE", "OUTPUT2"),
        A("260", "Other Revenue", "REVENUE", "OUTPUT2"),
        A("270", "Interest Income", "OTHERINCOME", "EXEMPTOUTPUT"),
        A("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2"),
        A("400", "Advertising", "OVERHEADS", "INPUT2"),
        A("404", "Bank Fees", "OVERHEADS", "EXEMPTINPUT"),
        A("429", "General Expenses", "OVERHEADS", "INPUT2"),
        A("445", "Light, Power, Heating", "OVERHEADS", "RRINPUT"),
        A("455", "Printing (old)", "OVERHEADS", "INPUT2", status="ARCHIVED"),
        A("469", "Rent", "OVERHEADS", "EXEMPTINPUT"),
        A("477", "Salaries", "OVERHEADS", "NONE"),
        A("610", "Accounts Receivable", "CURRENT", "NONE", system="DEBTORS"),
        A("720", "Computer Equipment", "FIXED", "INPUT2"),
        A("800", "Accounts Payable", "CURRLIAB", "NONE", system="CREDITORS"),
        A("820", "VAT", "CURRLIAB", "NONE", system="GST"),
        A("840", "Historical Adjustment", "CURRLIAB", "NONE", system="HISTORICAL"),
        A("860", "Rounding", "CURRLIAB", "NONE", system="ROUNDING"),
        A("960", "Retained Earnings", "EQUITY", "NONE", system="RETAINEDEARNINGS"),
    ),
    tax_rates=(
        T("OUTPUT2", "20% (VAT on Income)", "20.0000", "OUTPUT", "RAL"),
        T("INPUT2", "20% (VAT on Expenses)", "20.0000", "INPUT", "EAL"),
        T("RROUTPUT", "5% (VAT on Income)", "5.0000", "OUTPUT", "RAL"),
        T("RRINPUT", "5% (VAT on Expenses)", "5.0000", "INPUT", "EAL"),
        T("ZERORATEDOUTPUT", "Zero Rated Income", "0.0000", "OUTPUT", "RAL"),
        T("ZERORATEDINPUT", "Zero Rated Expenses", "0.0000", "INPUT", "EAL"),
        T("EXEMPTOUTPUT", "Exempt Income", "0.0000", "EXEMPTOUTPUT", "RAL"),
        T("EXEMPTINPUT", "Exempt Expenses", "0.0000", "EXEMPTINPUT", "EAL"),
        T("ECZROUTPUT", "Zero Rated EC Goods Income", "0.0000", "ECOUTPUT", "R"),
        T("NONE", "No VAT", "0.0000", "NONE", "REALQ"),
    ),
    tracking=(
        TrackingSeed("Cost Centre", ("London", "Manchester", "Remote")),
        TrackingSeed("Project", ("Alpha", "Beta"), status="ARCHIVED"),
    ),
    currencies=("GBP", "EUR", "USD"),
    contacts=(
        ("Brunswick Tea Rooms", "CUST-001", "ACTIVE"),
        ("Highgate Florists", "CUST-002", "ACTIVE"),
        ("Thames Water Supplies", "SUPP-001", "ACTIVE"),
        ("Camden Stationers", "SUPP-002", "ACTIVE"),
        ("Shoreditch Signs (closed)", "SUPP-099", "ARCHIVED"),
    ),
)

_US = ChartSeed(
    accounts=(
        A("090", "Checking Account", "BANK", "NONE", bank_number="021000021 123456789"),
        A("091", "Savings Account", "BANK", "NONE", bank_number="021000021 987654321"),
        A("200", "Sales", "REVENUE", "OUTPUT"),
        A("260", "Other Revenue", "REVENUE", "OUTPUT"),
        A("270", "Interest Income", "OTHERINCOME", "NONE"),
        A("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT"),
        A("400", "Advertising", "EXPENSE", "INPUT"),
        A("404", "Bank Service Charges", "EXPENSE", "NONE"),
        A("429", "General Expenses", "EXPENSE", "INPUT"),
        A("455", "Printing (old)", "EXPENSE", "INPUT", status="ARCHIVED"),
        A("469", "Rent", "EXPENSE", "NONE"),
        A("477", "Salaries", "EXPENSE", "NONE"),
        A("610", "Accounts Receivable", "CURRENT", "NONE", system="DEBTORS"),
        A("720", "Computer Equipment", "FIXED", "INPUT"),
        A("800", "Accounts Payable", "CURRLIAB", "NONE", system="CREDITORS"),
        A("820", "Sales Tax", "CURRLIAB", "NONE", system="GST"),
        A("840", "Historical Adjustment", "CURRLIAB", "NONE", system="HISTORICAL"),
        A("860", "Rounding", "CURRLIAB", "NONE", system="ROUNDING"),
        A("960", "Retained Earnings", "EQUITY", "NONE", system="RETAINEDEARNINGS"),
    ),
    tax_rates=(
        T("OUTPUT", "Tax on Sales", "0.0000", "OUTPUT", "RA"),
        T("INPUT", "Tax on Purchases", "0.0000", "INPUT", "EA"),
        T("NONE", "Tax Exempt", "0.0000", "NONE", "REALQ"),
        T(
            "TAX001",
            "NYC Sales Tax",
            "8.8750",
            "USSALESTAX",
            "R",
            components=(
                TaxComponentSeed("NY State", "4.0000"),
                TaxComponentSeed("NYC", "4.5000"),
                TaxComponentSeed("MCTD", "0.3750"),
            ),
        ),
        T(
            "TAX002",
            "California Sales Tax",
            "7.2500",
            "USSALESTAX",
            "R",
            components=(TaxComponentSeed("CA State", "7.2500"),),
        ),
    ),
    tracking=(TrackingSeed("Location", ("New York", "Boston", "Online")),),
    currencies=("USD", "CAD"),
    contacts=(
        ("Hudson Diner", "CUST-001", "ACTIVE"),
        ("Liberty Fitness", "CUST-002", "ACTIVE"),
        ("Empire Paper Co", "SUPP-001", "ACTIVE"),
        ("Brooklyn Movers", "SUPP-002", "ACTIVE"),
        ("Gotham Print (closed)", "SUPP-099", "ARCHIVED"),
    ),
)

CHARTS: dict[str, ChartSeed] = {"AU": _AU, "GB": _UK, "US": _US}
