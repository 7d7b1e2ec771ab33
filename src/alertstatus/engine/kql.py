"""A subset of KQL compiled to an Elasticsearch query, over an allow-list of fields.

One parser and one compiler serve two vocabularies: rule filters (`GET /api/alerts/_find?filter=`,
rules/kql.py, fields `alert.attributes.<name>`) and alert queries (`POST /api/alertstatus/kql`,
the console's KQL bar, fields of the alerts mapping: ALERT_FIELDS). A vocabulary says which names
exist and what kind each is; nothing else differs.

Supported (docs/dialects.md, "Console routes"; docs/rules.md): `field: value` with quoted or
unquoted values, `*` wildcards in unquoted values, `field: *` (exists), value lists
`field: (a or b)`, range comparisons `< <= > >=` on dates, numbers and IP addresses, and
AND / OR / NOT with parentheses. Anything else is refused with a 400 (KqlInvalid, with the
position in the text) rather than guessed, and so is nesting (parentheses, NOT) deeper than
MAX_NESTING. The compiled query passes the query guard's model like any caller's query
(engine/guard.py), so the compiler cannot emit what the guard would refuse.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from alertstatus.engine.guard import allowed_query
from alertstatus.engine.indices import mapped_alert_fields
from alertstatus.engine.timerange import parse_time
from alertstatus.errors import KqlInvalid, KqlUnknownField, QueryRefused, TimeParseError

MAX_NESTING = 20  # parentheses and NOTs inside each other (the guard's clause depth)


class Kind(StrEnum):
    KEYWORD = "keyword"
    TEXT = "text"
    DATE = "date"
    NUMBER = "number"
    BOOLEAN = "boolean"
    IP = "ip"


RANGE_KINDS = (Kind.DATE, Kind.NUMBER, Kind.IP)


@dataclass(frozen=True, slots=True)
class Field:
    """A field a query may name: where it is stored, its kind, and for text where a wildcard
    pattern is matched (a keyword sub-field; None: the text's own terms, case-insensitively)."""

    name: str
    kind: Kind
    wildcard_field: str | None = None


Resolver = Callable[[str], Field]  # a name as typed -> its field; raises for unknown names

_RANGE = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_TOKEN = re.compile(
    r'\s*(?:(?P<paren>[()])|(?P<op><=|>=|<|>)|(?P<colon>:)|"(?P<quoted>(?:\\.|[^"\\])*)"'
    r'|(?P<word>(?:\\.|[^\s()<>:"\\])+))'
)
_KEYWORDS = ("and", "or", "not")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# strict_date_optional_time, the alerts mapping's date format, as far as analysts type it
_ISO_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # paren | op | colon | quoted | word
    text: str
    position: int  # of its first character in the source, from 0


@dataclass(frozen=True, slots=True)
class Value:
    text: str
    quoted: bool
    wildcard: bool  # an unescaped `*` in an unquoted value
    position: int


def tokenize(source: str) -> list[Token]:
    tokens, position = [], 0
    while position < len(source):
        if not source[position:].strip():
            break
        match = _TOKEN.match(source, position)
        if not match:
            start = len(source) - len(source[position:].lstrip())
            raise KqlInvalid(f"unexpected character {source[start]!r} at position {start}")
        kind = match.lastgroup or "word"
        start = match.start(kind) - (1 if kind == "quoted" else 0)  # a quoted value: its quote
        tokens.append(Token(kind, match.group(kind), start))
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


def _at(token: Token) -> str:
    return f"{token.text!r} at position {token.position}"


class _Parser:
    def __init__(self, tokens: list[Token], resolve: Resolver, subject: str) -> None:
        self.tokens = tokens
        self.resolve = resolve
        self.subject = subject  # what the text is called in messages: "filter", "query"
        self.index = 0
        self.depth = 0

    @contextmanager
    def nested(self) -> Iterator[None]:
        """One more level of parentheses or NOT; the parser recurses, so the depth is bounded."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise KqlInvalid(f"{self.subject} is nested deeper than {MAX_NESTING} levels")
        try:
            yield
        finally:
            self.depth -= 1

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise KqlInvalid(f"unexpected end of {self.subject}")
        self.index += 1
        return token

    def expect_paren(self, text: str) -> None:
        token = self.take()
        if token.kind != "paren" or token.text != text:
            raise KqlInvalid(f"expected {text!r}, found {_at(token)}")

    # expression := or ; or := and (OR and)* ; and := not (AND not)* ; not := NOT not | primary
    def parse(self) -> dict[str, Any]:
        query = self.or_()
        if (token := self.peek()) is not None:
            raise KqlInvalid(f"unexpected {_at(token)}")
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
        if token.kind != "word" or any(_is_keyword(token, w) for w in _KEYWORDS):
            raise KqlInvalid(f"expected a field name, found {_at(token)}")
        field = self.resolve(_unescape(token.text))
        operator = self.peek()
        if operator is None:
            raise KqlInvalid(f"expected ':' after {_at(token)}, found the end of {self.subject}")
        self.take()
        if operator.kind == "op":
            if field.kind not in RANGE_KINDS:
                raise KqlInvalid(
                    f"range comparisons are supported on dates, numbers and IP addresses, "
                    f"not on {field.name} (a {field.kind} field), at position {operator.position}"
                )
            value = self.value()
            if value.wildcard:
                raise KqlInvalid(f"a range cannot hold a wildcard, at position {value.position}")
            bound = typed_value(field, value, bound=True)
            return {"range": {field.name: {_RANGE[operator.text]: bound}}}
        if operator.kind != "colon":
            raise KqlInvalid(f"expected ':' after {_at(token)}, found {_at(operator)}")
        return self.value_expression(field)

    # field: (a or b and not c)
    def value_expression(self, field: Field) -> dict[str, Any]:
        token = self.peek()
        if token is not None and token.kind == "paren" and token.text == "(":
            self.take()
            with self.nested():
                query = self.value_or(field)
            self.expect_paren(")")
            return query
        return compile_match(field, self.value())

    def value_or(self, field: Field) -> dict[str, Any]:
        return self._chain("or", lambda: self.value_and(field), "should")

    def value_and(self, field: Field) -> dict[str, Any]:
        return self._chain("and", lambda: self.value_not(field), "filter")

    def value_not(self, field: Field) -> dict[str, Any]:
        token = self.peek()
        if token is not None and _is_keyword(token, "not"):
            self.take()
            with self.nested():
                return {"bool": {"must_not": [self.value_not(field)]}}
        return self.value_expression(field)

    def value(self) -> Value:
        token = self.take()
        if token.kind == "quoted":
            return Value(_unescape(token.text), True, False, token.position)
        if token.kind != "word" or any(_is_keyword(token, w) for w in _KEYWORDS):
            raise KqlInvalid(f"expected a value, found {_at(token)}")
        words = [token.text]  # an unquoted value runs over spaces up to a keyword or paren
        while (
            (nxt := self.peek()) is not None
            and nxt.kind == "word"
            and not any(_is_keyword(nxt, w) for w in _KEYWORDS)
        ):
            words.append(self.take().text)
        if (nxt := self.peek()) is not None and nxt.kind == "colon":
            raise KqlInvalid(
                f"unexpected ':' at position {nxt.position}: quote a value that holds one "
                '(@timestamp >= "2024-11-01T08:00:00Z")'
            )
        raw = " ".join(words)
        wildcard = bool(re.search(r"(?<!\\)\*", raw))
        text = _wildcard_pattern(raw) if wildcard else _unescape(raw)
        return Value(text, False, wildcard, token.position)


def typed_value(field: Field, value: Value, *, bound: bool = False) -> Any:
    """A value as its field's kind reads it: a 400 naming the field for one it cannot read.
    `bound`: the value is a range's bound, so an IP address must be one address, not a network."""
    where = f"at position {value.position}"
    if field.kind is Kind.BOOLEAN:
        if value.text.lower() not in ("true", "false"):
            raise KqlInvalid(
                f"{field.name} is a boolean: expected true or false, found {value.text!r} {where}"
            )
        return value.text.lower() == "true"
    if field.kind is Kind.NUMBER:
        if not _NUMBER.fullmatch(value.text):
            raise KqlInvalid(f"{field.name} is a number: found {value.text!r} {where}")
        number = float(value.text)
        if not math.isfinite(number):
            raise KqlInvalid(f"{field.name}: {value.text!r} is out of range {where}")
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if field.kind is Kind.DATE:
        _check_date(field, value.text, where)
    if field.kind is Kind.IP:
        try:
            if bound:
                ipaddress.ip_address(value.text)
            else:
                ipaddress.ip_network(value.text, strict=False)  # one address or a CIDR block
        except ValueError:
            raise KqlInvalid(
                f"{field.name} is an IP address: found {value.text!r} {where}"
            ) from None
    return value.text


def _check_date(field: Field, text: str, where: str) -> None:
    """An ISO-8601 date or time, or date math from now; Elasticsearch reads the text as sent."""
    problem = f"{field.name} is a date: use 2024-11-01, 2024-11-01T08:00:00Z or now-7d"
    if text.startswith("now"):
        try:
            parse_time(text)
        except (TimeParseError, OverflowError, ValueError):  # a shift past year 9999 too
            raise KqlInvalid(f"{problem}, not {text!r} {where}") from None
        return
    if not _ISO_DATE.fullmatch(text):
        raise KqlInvalid(f"{problem}, not {text!r} {where}")
    try:
        datetime.fromisoformat(text.replace(",", "."))
    except ValueError:
        raise KqlInvalid(f"{problem}, not {text!r} (no such date) {where}") from None


def compile_match(field: Field, value: Value) -> dict[str, Any]:
    if value.wildcard and value.text == "*":
        return {"exists": {"field": field.name}}
    if value.wildcard:
        if field.kind is Kind.TEXT:
            if field.wildcard_field is not None:
                return {"wildcard": {field.wildcard_field: {"value": value.text}}}
            return {"wildcard": {field.name: {"value": value.text, "case_insensitive": True}}}
        if field.kind is not Kind.KEYWORD:
            raise KqlInvalid(
                f"wildcards are not supported on the {field.kind} field {field.name}, "
                f"at position {value.position}"
            )
        return {"wildcard": {field.name: {"value": value.text}}}
    if field.kind is Kind.TEXT:
        clause = "match_phrase" if value.quoted else "match"
        return {clause: {field.name: value.text}}
    return {"term": {field.name: typed_value(field, value)}}


def parse_kql(source: str, resolve: Resolver, *, subject: str = "query") -> dict[str, Any]:
    """The query for a KQL text, unguarded; `{"match_all": {}}` for a blank one."""
    tokens = tokenize(source)
    return _Parser(tokens, resolve, subject).parse() if tokens else {"match_all": {}}


# --- alerts: the fields of the alerts mapping (index_templates/) ----------------------------------

# The fields an alert query may name. Their kinds come from the mapping itself
# (mapped_alert_fields), so a field that is not mapped cannot be listed. `kibana.space_ids` is
# left out on purpose: which space a caller reads is the service's decision (the route's space),
# never the query's.
ALERT_FIELD_NAMES = (
    "@timestamp",
    "kibana.alert.workflow_status",
    "kibana.alert.workflow_reason",
    "kibana.alert.workflow_user",
    "kibana.alert.workflow_tags",
    "kibana.alert.workflow_status_updated_at",
    "kibana.alert.rule.name",
    "kibana.alert.rule.uuid",
    "kibana.alert.rule.rule_id",
    "kibana.alert.rule.category",
    "kibana.alert.severity",
    "kibana.alert.risk_score",
    "kibana.alert.status",
    "kibana.alert.start",
    "kibana.alert.end",
    "kibana.alert.original_time",
    "kibana.alert.reason",
    "kibana.alert.uuid",
    "kibana.alert.building_block_type",
    "host.name",
    "user.name",
    "source.ip",
    "destination.ip",
    "event.action",
    "event.category",
    "message",
    "tags",
)
_KIND_OF_TYPE = {
    "keyword": Kind.KEYWORD,
    "constant_keyword": Kind.KEYWORD,
    "text": Kind.TEXT,
    "match_only_text": Kind.TEXT,
    "date": Kind.DATE,
    "date_nanos": Kind.DATE,
    "long": Kind.NUMBER,
    "integer": Kind.NUMBER,
    "short": Kind.NUMBER,
    "byte": Kind.NUMBER,
    "float": Kind.NUMBER,
    "double": Kind.NUMBER,
    "half_float": Kind.NUMBER,
    "scaled_float": Kind.NUMBER,
    "unsigned_long": Kind.NUMBER,
    "boolean": Kind.BOOLEAN,
    "ip": Kind.IP,
}


def alert_fields() -> dict[str, Field]:
    """ALERT_FIELD_NAMES with their kinds as the alerts mapping declares them."""
    mapped = mapped_alert_fields()
    fields: dict[str, Field] = {}
    for name in ALERT_FIELD_NAMES:
        mapping = mapped[name]  # a KeyError here is a field the mapping lost: a unit test fails
        kind = _KIND_OF_TYPE[mapping["type"]]
        keyword = next(
            (
                f"{name}.{sub}"
                for sub, spec in (mapping.get("fields") or {}).items()
                if spec.get("type") == "keyword"
            ),
            None,
        )
        fields[name] = Field(name, kind, keyword if kind is Kind.TEXT else None)
    return fields


ALERT_FIELDS = alert_fields()


def resolve_alert_field(name: str) -> Field:
    field = ALERT_FIELDS.get(name)
    if field is None:
        refused = ""
        if name == "kibana.space_ids":
            refused = " (the space is the route's, not the query's)"
        raise KqlUnknownField(
            f"{name!r} is not a field alert queries may use{refused}; "
            'the fields are listed in docs/dialects.md, "Console routes"'
        )
    return field


def compile_alert_query(source: str) -> dict[str, Any]:
    """The Elasticsearch query for a KQL text over alert fields, as the query guard
    re-serialises it; KqlInvalid (400) for anything outside the subset or the guard."""
    query = parse_kql(source, resolve_alert_field)
    try:
        return allowed_query(query)
    except QueryRefused as error:
        raise KqlInvalid(error.message) from error
