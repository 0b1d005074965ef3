"""The ``where`` query parameter: a small parser for Xero's filter expressions.

Supported: ``Field==value`` and ``!=``, ``<``, ``<=``, ``>``, ``>=`` (``=`` is taken as ``==``),
dotted fields (``Contact.ContactID``), string methods ``.Contains("x")``, ``.StartsWith("x")``,
``.EndsWith("x")``, values ``"text"``, numbers, ``true``/``false``/``null``, ``GUID("...")`` and
``DateTime(2024,1,31)``; conditions joined with ``AND``/``&&`` and ``OR``/``||`` (AND binds tighter)
and grouped with parentheses. String comparisons ignore case, as Xero's do.
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
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|<=|>=|&&|\|\||[<>=(),.])'
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
_METHODS = {"contains", "startswith", "endswith"}


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


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0

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
        while self.peek() == ("op", "."):
            self.take(".")
            path.append(self.take()[1])
        if path[-1].lower() in _METHODS and self.peek() == ("op", "("):
            return self.method(path[:-1], path[-1].lower())
        operator = self.take()[1]
        if operator not in ("==", "!=", "<", "<=", ">", ">=", "="):
            raise QueryParseError(f"Unknown operator '{operator}' in the where clause")
        return self.comparison(path, "==" if operator == "=" else operator, self.literal())

    def method(self, path: list[str], name: str) -> Predicate:
        self.take("(")
        needle = str(self.literal()).lower()
        self.take(")")
        tests: dict[str, Callable[[str], bool]] = {
            "contains": lambda s: needle in s,
            "startswith": lambda s: s.startswith(needle),
            "endswith": lambda s: s.endswith(needle),
        }
        test = tests[name]
        return lambda body: isinstance(v := _field(body, path), str) and test(v.lower())

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

    @staticmethod
    def comparison(path: list[str], operator: str, literal: Any) -> Predicate:
        def compare(body: dict[str, Any]) -> bool:
            value = _comparable(_field(body, path))
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


def parse_where(text: str) -> Predicate:
    """A predicate over a record body, or QueryParseError."""
    if not text.strip():
        return lambda body: True
    return _Parser(text).parse()
