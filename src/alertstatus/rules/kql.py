"""A subset of KQL for `GET /api/alerts/_find?filter=...`, compiled to an Elasticsearch query.

Supported (docs/rules.md): `alert.attributes.<field>: value` on the fields of FILTER_FIELDS, with
quoted or unquoted values, `*` wildcards in unquoted values, `field: *` (exists), value lists
`field: (a or b)`, range comparisons `< <= > >=` on dates, and AND / OR / NOT with parentheses.
Anything else is refused with a 400 rather than guessed, and so is nesting (parentheses, NOT)
deeper than MAX_NESTING. The compiled query passes the query guard's model like any caller's
query (engine/guard.py), so the compiler cannot emit what the guard would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from alertstatus.engine.guard import allowed_query
from alertstatus.errors import KqlError, QueryRefused, RuleInvalid
from alertstatus.rules.translate import LEGACY_FIELDS

PREFIX = "alert.attributes."
MAX_NESTING = 20  # parentheses and NOTs inside each other (the guard's clause depth)

# stored field -> kind; only these may be filtered on.
FILTER_FIELDS: dict[str, str] = {
    "name": "text",
    "tags": "keyword",
    "rule_type_id": "keyword",
    "consumer": "keyword",
    "schedule.interval": "keyword",
    "actions.id": "keyword",
    "actions.group": "keyword",
    "actions.connector_type_id": "keyword",
    "enabled": "boolean",
    "throttle": "keyword",
    "notify_when": "keyword",
    "api_key_owner": "keyword",
    "created_by": "keyword",
    "updated_by": "keyword",
    "created_at": "date",
    "updated_at": "date",
    "mute_all": "boolean",
    "muted_alert_ids": "keyword",
    "scheduled_task_id": "keyword",
    "execution_status.status": "keyword",
    "execution_status.last_execution_date": "date",
}
_RANGE = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_TOKEN = re.compile(
    r'\s*(?:(?P<paren>[()])|(?P<op><=|>=|<|>)|(?P<colon>:)|"(?P<quoted>(?:\\.|[^"\\])*)"'
    r'|(?P<word>(?:\\.|[^\s()<>:"\\])+))'
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # paren | op | colon | quoted | word
    text: str


@dataclass(frozen=True, slots=True)
class Value:
    text: str
    quoted: bool
    wildcard: bool  # an unescaped `*` in an unquoted value


def tokenize(source: str) -> list[Token]:
    tokens, position = [], 0
    while position < len(source):
        if not source[position:].strip():
            break
        match = _TOKEN.match(source, position)
        if not match:
            raise KqlError(f"unexpected character at position {position} in {source!r}")
        kind = match.lastgroup or "word"
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
    return tokens


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _wildcard_pattern(text: str) -> str:
    """ES wildcard syntax: unescaped `*` stays a wildcard, everything else literal."""
    out, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            literal = text[index + 1]
            out.append("\\" + literal if literal in "*?\\" else literal)
            index += 2
            continue
        out.append("\\?" if char == "?" else char)
        index += 1
    return "".join(out)


def _is_keyword(token: Token, word: str) -> bool:
    return token.kind == "word" and token.text.lower() == word


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    @contextmanager
    def nested(self) -> Iterator[None]:
        """One more level of parentheses or NOT; the parser recurses, so the depth is bounded."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise KqlError(f"filter is nested deeper than {MAX_NESTING} levels")
        try:
            yield
        finally:
            self.depth -= 1

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise KqlError("unexpected end of filter")
        self.index += 1
        return token

    def expect_paren(self, text: str) -> None:
        token = self.take()
        if token.kind != "paren" or token.text != text:
            raise KqlError(f"expected {text!r}, found {token.text!r}")

    # expression := or ; or := and (OR and)* ; and := not (AND not)* ; not := NOT not | primary
    def parse(self) -> dict[str, Any]:
        query = self.or_()
        if self.peek() is not None:
            raise KqlError(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return query

    def _chain(self, word: str, operand: Any, combine: str) -> dict[str, Any]:
        parts = [operand()]
        while (token := self.peek()) is not None and _is_keyword(token, word):
            self.take()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else {"bool": {combine: parts}}

    def or_(self) -> dict[str, Any]:
        return self._chain("or", self.and_, "should")

    def and_(self) -> dict[str, Any]:
        return self._chain("and", self.not_, "filter")

    def not_(self) -> dict[str, Any]:
        token = self.peek()
        if token is not None and _is_keyword(token, "not"):
            self.take()
            with self.nested():
                return {"bool": {"must_not": [self.not_()]}}
        return self.primary()

    def primary(self) -> dict[str, Any]:
        token = self.take()
        if token.kind == "paren" and token.text == "(":
            with self.nested():
                query = self.or_()
            self.expect_paren(")")
            return query
        if token.kind != "word":
            raise KqlError(f"expected a field name, found {token.text!r}")
        field, kind = resolve_field(_unescape(token.text))
        operator = self.take()
        if operator.kind == "op":
            if kind != "date":
                raise KqlError(f"range comparisons are supported on dates only, not {field}")
            value = self.value()
            return {"range": {field: {_RANGE[operator.text]: value.text}}}
        if operator.kind != "colon":
            raise KqlError(f"expected ':' after {token.text!r}")
        return self.value_expression(field, kind)

    # field: (a or b and not c)
    def value_expression(self, field: str, kind: str) -> dict[str, Any]:
        token = self.peek()
        if token is not None and token.kind == "paren" and token.text == "(":
            self.take()
            with self.nested():
                query = self.value_or(field, kind)
            self.expect_paren(")")
            return query
        return compile_match(field, kind, self.value())

    def value_or(self, field: str, kind: str) -> dict[str, Any]:
        return self._chain("or", lambda: self.value_and(field, kind), "should")

    def value_and(self, field: str, kind: str) -> dict[str, Any]:
        return self._chain("and", lambda: self.value_not(field, kind), "filter")

    def value_not(self, field: str, kind: str) -> dict[str, Any]:
        token = self.peek()
        if token is not None and _is_keyword(token, "not"):
            self.take()
            with self.nested():
                return {"bool": {"must_not": [self.value_not(field, kind)]}}
        return self.value_expression(field, kind)

    def value(self) -> Value:
        token = self.take()
        if token.kind == "quoted":
            return Value(_unescape(token.text), quoted=True, wildcard=False)
        if token.kind != "word" or any(_is_keyword(token, w) for w in ("and", "or", "not")):
            raise KqlError(f"expected a value, found {token.text!r}")
        words = [token.text]  # an unquoted value runs over spaces up to a keyword or paren
        while (
            (nxt := self.peek()) is not None
            and nxt.kind == "word"
            and not any(_is_keyword(nxt, w) for w in ("and", "or", "not"))
        ):
            words.append(self.take().text)
        raw = " ".join(words)
        wildcard = bool(re.search(r"(?<!\\)\*", raw))
        return Value(_wildcard_pattern(raw) if wildcard else _unescape(raw), False, wildcard)


def resolve_field(name: str) -> tuple[str, str]:
    """`alert.attributes.<legacy field>` -> (stored field, kind), or a 400."""
    legacy = name.removeprefix(PREFIX) if name.startswith(PREFIX) else None
    stored = LEGACY_FIELDS.get(legacy or "")
    if stored is None or stored not in FILTER_FIELDS:
        raise RuleInvalid(f"This key '{name}' does NOT exist in alert saved object index patterns")
    return stored, FILTER_FIELDS[stored]


def compile_match(field: str, kind: str, value: Value) -> dict[str, Any]:
    if value.wildcard and value.text == "*":
        return {"exists": {"field": field}}
    if kind == "boolean":
        if value.text.lower() not in ("true", "false"):
            raise KqlError(f"{field} is a boolean: expected true or false, found {value.text!r}")
        return {"term": {field: value.text.lower() == "true"}}
    if kind == "text":
        if value.wildcard:
            return {"wildcard": {f"{field}.keyword": {"value": value.text}}}
        clause = "match_phrase" if value.quoted else "match"
        return {clause: {field: value.text}}
    if value.wildcard:
        if kind == "date":
            raise KqlError(f"wildcards are not supported on the date field {field}")
        return {"wildcard": {field: {"value": value.text}}}
    return {"term": {field: value.text}}


def compile_filter(source: str) -> dict[str, Any]:
    """The Elasticsearch query for a KQL filter string (400 on anything outside the subset), as
    the query guard's model re-serialises it."""
    tokens = tokenize(source)
    query = _Parser(tokens).parse() if tokens else {"match_all": {}}
    try:
        return allowed_query(query)
    except QueryRefused as error:
        raise RuleInvalid(error.message) from error
