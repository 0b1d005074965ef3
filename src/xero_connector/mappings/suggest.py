"""Suggestions for unmapped source keys: deterministic, ranked, explained, never applied.

Each candidate target gets a score in [0, 1] from its name (and code or tax type), plus small
hints; the best one at or above ``MIN_SCORE`` is suggested (ties: the lower code or name first).

- equal code or tax type (``200``, ``OUTPUT``), or equal name after normalising case and
  punctuation: 1.0;
- a name holding every word of the key: 0.85; sharing some words: 0.3 + 0.5 x the share
  (shared words over all words of both);
- a word hinting at a class (``sales``/``income`` REVENUE, ``costs``/``fees`` EXPENSE) adds 0.05
  to accounts of that class;
- ``standard`` or ``default`` as a tax key: the organisation's default sales tax type (0.8),
  the one most of its revenue accounts carry (with a purchase word: its expense accounts');
- tracking ``<dimension>:<value>``: the mean of the category's and the option's name scores.
Only targets a PUT would accept are candidates (ACTIVE, of a suitable type).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from xero_connector.db.settings_models import XeroAccount
from xero_connector.mappings import rules
from xero_connector.mappings.catalog import Catalog
from xero_connector.mappings.targets import parse_tracking_key

MIN_SCORE = 0.5
_CLASS_HINTS = {
    "REVENUE": {"sale", "sales", "revenue", "income"},
    "EXPENSE": {"expense", "expenses", "cost", "costs", "fee", "fees", "purchase", "purchases"},
}
_DEFAULT_WORDS = {"standard", "default"}
_PURCHASE_WORDS = {"purchase", "purchases", "expense", "expenses", "input", "bill", "bills"}


@dataclass(frozen=True)
class Suggestion:
    target: dict[str, str]
    label: str
    score: float


def words(text: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", text.lower()) if w]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def name_score(key: str, name: str) -> tuple[float, str] | None:
    """How well ``name`` matches ``key``, and why; None when they share no word."""
    key_words, name_words = words(key), words(name)
    if key_words and key_words == name_words:
        return 1.0, f"name {name!r} matches {key!r}"
    key_stems, name_stems = {_stem(w) for w in key_words}, {_stem(w) for w in name_words}
    shared = key_stems & name_stems
    if not shared:
        return None
    if key_stems <= name_stems:
        return 0.85, f"name {name!r} holds every word of {key!r}"
    share = len(shared) / len(key_stems | name_stems)
    return 0.3 + 0.5 * share, f"name {name!r} shares {', '.join(sorted(shared))!r} with {key!r}"


def _best(candidates: Iterable[tuple[float, str, dict[str, str], str]]) -> Suggestion | None:
    ranked = sorted(candidates, key=lambda c: (-c[0], c[3]))
    if not ranked or ranked[0][0] < MIN_SCORE:
        return None
    score, label, target, _ = ranked[0]
    return Suggestion(target, label, round(min(score, 1.0), 2))


def _account_candidates(
    key: str, accounts: Iterable[XeroAccount]
) -> Iterable[tuple[float, str, dict[str, str], str]]:
    hinted = {cls for cls, hint in _CLASS_HINTS.items() if hint & set(words(key))}
    for account in accounts:
        label = rules.account_label(account)
        if account.code and account.code.lower() == key.strip().lower():
            found: tuple[float, str] | None = (1.0, f"code {account.code} matches {key!r}")
        else:
            found = name_score(key, account.name)
        if found is None:
            continue
        score, why = found
        if account.account_class in hinted:
            score += 0.05
            why += f"; a {account.account_class} account, as {key!r} suggests"
        yield score, f"{label}: {why}", {"account_id": account.account_id}, label


def suggest_account(key: str, catalog: Catalog, *, bank: bool = False) -> Suggestion | None:
    usable = rules.usable_for_bank if bank else rules.usable_on_lines
    return _best(_account_candidates(key, [a for a in catalog.accounts.values() if usable(a)]))


def default_tax_type(catalog: Catalog, account_class: str) -> str | None:
    """The tax type most usable accounts of ``account_class`` carry (ties: the lowest code's)."""
    accounts = sorted(
        (
            a
            for a in catalog.accounts.values()
            if a.account_class == account_class and rules.usable_on_lines(a)
        ),
        key=lambda a: (a.code or "", a.name),
    )
    counts = Counter(a.tax_type for a in accounts if a.tax_type)
    if not counts:
        return None
    top = max(counts.values())
    return next(a.tax_type for a in accounts if a.tax_type and counts[a.tax_type] == top)


def suggest_tax(key: str, catalog: Catalog) -> Suggestion | None:
    rates = [r for r in catalog.tax_rates.values() if rules.tax_rate_problem(r) is None]
    key_words = set(words(key))
    default: tuple[str, str] | None = None
    if key_words & _DEFAULT_WORDS:
        purchases = bool(key_words & _PURCHASE_WORDS)
        side, cls = ("purchases", "EXPENSE") if purchases else ("sales", "REVENUE")
        tax_type = default_tax_type(catalog, cls)
        if tax_type is not None:
            default = (tax_type, side)

    def candidates() -> Iterable[tuple[float, str, dict[str, str], str]]:
        for rate in rates:
            label = f"{rate.name} ({rate.tax_type})"
            found: tuple[float, str] | None
            if rate.tax_type.lower() == key.strip().lower():
                found = (1.0, f"tax type {rate.tax_type} matches {key!r}")
            elif default is not None and rate.tax_type == default[0]:
                found = (
                    0.8,
                    f"the organisation's default {default[1]} tax: the tax type most of its "
                    f"{'expense' if default[1] == 'purchases' else 'revenue'} accounts carry",
                )
            else:
                found = name_score(key, rate.name)
            if found is not None:
                yield found[0], f"{label}: {found[1]}", {"tax_type": rate.tax_type}, label

    return _best(candidates())


def suggest_tracking(key: str, catalog: Catalog) -> Suggestion | None:
    parsed = parse_tracking_key(key)
    if parsed is None:
        return None
    dimension, value = parsed

    def candidates() -> Iterable[tuple[float, str, dict[str, str], str]]:
        for option in catalog.options.values():
            category = catalog.categories.get(option.tracking_category_id)
            if category is None or rules.tracking_problem(category, option) is not None:
                continue
            by_category, by_option = (
                name_score(dimension, category.name),
                name_score(value, option.name),
            )
            if by_category is None or by_option is None:
                continue
            label = f"{category.name}: {option.name}"
            target = {
                "tracking_category_id": category.tracking_category_id,
                "tracking_option_id": option.tracking_option_id,
            }
            why = f"category {by_category[1]}; option {by_option[1]}"
            yield (by_category[0] + by_option[0]) / 2, f"{label}: {why}", target, label

    return _best(candidates())


def suggest(kind: str, key: str, catalog: Catalog) -> Suggestion | None:
    """The best target for ``(kind, key)``, or None when nothing scores ``MIN_SCORE``."""
    if kind == "account":
        return suggest_account(key, catalog)
    if kind == "bank_account":
        return suggest_account(key, catalog, bank=True)
    if kind == "tax":
        return suggest_tax(key, catalog)
    if kind == "tracking":
        return suggest_tracking(key, catalog)
    return None
