"""The ``where`` query parameter: a small parser for Xero's filter expressions.

Supported: ``Field==value`` and ``!=`` (also ``<>``), ``<``, ``<=``, ``>``, ``>=`` (``=`` is taken
as ``==``), dotted fields (``Contact.ContactID``), string methods ``.Contains("x")``,
``.StartsWith("x")``, ``.EndsWith("x")`` and the no-op conversions ``.ToString()``,
``.ToLower()``, ``.ToUpper()`` (comparisons ignore case anyway), values ``"text"``, numbers,
``true``/``false``/``null``, ``GUID("...")``, ``DateTime(2024,1,31)`` and
``DateTime.Parse("2024-01-31")``; conditions joined with ``AND``/``&&`` and ``OR``/``||`` (AND
binds tighter) and grouped with parentheses. String comparisons ignore case, as Xero's do.

Field names match regardless of case, as Xero's (member names of a .NET type) do. Given the
element's fields (``FieldTree``, from Xero's schema), an unknown field is a QueryParseError
(Xero answers 400 "No property or field ... exists"), so a typo never reads as "no rows".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from xero_connector.sandbox.accounting.msdates import ms_of

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|<>|<=|>=|&&|\|\||[<>=(),.])'
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
_METHODS = {"contains", "startswith", "endswith"}
_CONVERSIONS = {"tostring", "tolower", "toupper", "trim"}


class FieldTree:
    """The fields of one element type, by lower-cased name: canonical name and, for a nested
    object, its own fields (None for a leaf)."""

    def __init__(self, type_name: str, fields: dict[str, tuple[str, FieldTree | None]]) -> None:
        self.type_name = type_name
        self.fields = fields


class QueryParseError(ValueError):
    """A ``where`` expression the sandbox cannot read (answered like Xero's QueryParseException)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise QueryParseError(
                f"Unexpected character at position {position} of the where clause"
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _comparable(value: Any) -> Any:
    """A field value in a form that compares with parsed literals."""
    if isinstance(value, str):
        ms = ms_of(value) if value.startswith("/Date(") else None
        return ms if ms is not None else value.lower()
    if isinstance(value, float | int) and not isinstance(value, bool):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return value


def _field(body: dict[str, Any], path: list[str]) -> Any:
    value: Any = body
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _field_any_case(body: dict[str, Any], path: list[str]) -> Any:
    value: Any = body
    for part in path:
        if not isinstance(value, dict):
            return None
        found = value.get(part)
        if found is None:
            lowered = part.lower()
            found = next((v for k, v in value.items() if k.lower() == lowered), None)
        value = found
    return value


class _Parser:
    def __init__(self, text: str, tree: FieldTree | None) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.tree = tree
        self.get: Callable[[dict[str, Any], list[str]], Any] = (
            _field if tree is not None else _field_any_case
        )

    def canonical(self, path: list[str]) -> list[str]:
        """``path`` in the schema's spelling, or QueryParseError naming the unknown member."""
        if self.tree is None:
            return path
        tree: FieldTree | None = self.tree
        canonical: list[str] = []
        for part in path:
            if tree is None:
                return canonical + path[len(canonical) :]  # below a leaf: left to the data
            entry = tree.fields.get(part.lower())
            if entry is None:
                raise QueryParseError(
                    f"No property or field '{part}' exists in type '{tree.type_name}'"
                )
            canonical.append(entry[0])
            tree = entry[1]
        return canonical

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (expected is not None and token[1].lower() != expected.lower()):
            raise QueryParseError(f"Expected {expected or 'more'} in the where clause")
        self.index += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.expression()
        if self.peek() is not None:
            raise QueryParseError(f"Unexpected '{self.peek()[1]}' in the where clause")  # type: ignore[index]
        return predicate

    def expression(self) -> Predicate:
        terms = [self.conjunction()]
        while (token := self.peek()) and token[1].upper() in ("OR", "||"):
            self.take()
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else (lambda body: any(t(body) for t in terms))

    def conjunction(self) -> Predicate:
        terms = [self.unary()]
        while (token := self.peek()) and token[1].upper() in ("AND", "&&"):
            self.take()
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else (lambda body: all(t(body) for t in terms))

    def unary(self) -> Predicate:
        if self.peek() == ("op", "("):
            self.take("(")
            inner = self.expression()
            self.take(")")
            return inner
        path = [self.take()[1]]
        method = None
        while self.peek() == ("op", "."):
            self.take(".")
            name = self.take()[1]
            if self.peek() == ("op", "(") and name.lower() in _CONVERSIONS:
                self.take("(")
                self.take(")")
                continue
            if self.peek() == ("op", "(") and name.lower() in _METHODS:
                method = name.lower()
                break
            path.append(name)
        path = self.canonical(path)
        if method is not None:
            return self.method(path, method)
        operator = self.take()[1]
        if operator not in ("==", "!=", "<>", "<", "<=", ">", ">=", "="):
            raise QueryParseError(f"Unknown operator '{operator}' in the where clause")
        operator = {"=": "==", "<>": "!="}.get(operator, operator)
        return self.comparison(path, operator, self.literal())

    def method(self, path: list[str], name: str) -> Predicate:
        self.take("(")
        needle = str(self.literal()).lower()
        self.take(")")
        get = self.get
        tests: dict[str, Callable[[str], bool]] = {
            "contains": lambda s: needle in s,
            "startswith": lambda s: s.startswith(needle),
            "endswith": lambda s: s.endswith(needle),
        }
        test = tests[name]
        return lambda body: isinstance(v := get(body, path), str) and test(v.lower())

    def literal(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            return text[1:-1].replace('\\"', '"').lower()
        if kind == "num":
            return Decimal(text)
        word = text.lower()
        if word in ("true", "false"):
            return word == "true"
        if word == "null":
            return None
        if word == "guid":
            self.take("(")
            value = self.literal()
            self.take(")")
            return value
        if word == "datetime" and self.peek() == ("op", "."):
            self.take(".")
            self.take("parse")
            self.take("(")
            text = self.take()[1]
            self.take(")")
            return _parse_datetime(text)
        if word == "datetime":
            self.take("(")
            parts = [int(self.literal())]
            while self.peek() == ("op", ","):
                self.take(",")
                parts.append(int(self.literal()))
            self.take(")")
            if not 3 <= len(parts) <= 6:
                raise QueryParseError("DateTime takes year, month, day and optionally h, m, s")
            parts += [0] * (6 - len(parts))
            year, month, day, hour, minute, second = parts
            moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            return int(moment.timestamp() * 1000)
        raise QueryParseError(f"Cannot read the value '{text}' in the where clause")

    def comparison(self, path: list[str], operator: str, literal: Any) -> Predicate:
        get = self.get

        def compare(body: dict[str, Any]) -> bool:
            value = _comparable(get(body, path))
            if operator == "==":
                return bool(value == literal)
            if operator == "!=":
                return bool(value != literal)
            if value is None or literal is None or type(value) is not type(literal):
                return False
            if operator == "<":
                return bool(value < literal)
            if operator == "<=":
                return bool(value <= literal)
            if operator == ">":
                return bool(value > literal)
            return bool(value >= literal)

        return compare


def _parse_datetime(quoted: str) -> int:
    """``DateTime.Parse("2024-01-31")`` (or with a time) as epoch milliseconds, UTC."""
    text = quoted.strip('"')
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise QueryParseError(f"DateTime.Parse cannot read '{text}'") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def parse_where(text: str, tree: FieldTree | None = None) -> Predicate:
    """A predicate over a record body, or QueryParseError. With ``tree``, unknown fields are
    refused and names are matched in the schema's spelling; without, in any case at run time."""
    if not text.strip():
        return lambda body: True
    return _Parser(text, tree).parse()
