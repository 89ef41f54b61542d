"""Hand-rolled, bulk validation of ERP batches.

DRF serializers cost 15–50 µs per item (a `ModelSerializer` even a query per row); a 10 000
line batch must be answered well under a second, so each endpoint has a plain loop with
small typed field parsers. Every problem becomes an `ItemError` naming the item's index,
its key and the field, so one response lists every bad item. References (accounts,
categories, …) are resolved later with one query per batch, in `upserts.py`.

Conventions of the contract, decided here:
- money, quantities and rates are decimal strings ("1234.50"); JSON numbers are accepted too
  (the body is parsed with `parse_float=Decimal`, so nothing is rounded through a float);
  booleans, "12,5", "1e3", NaN are rejected; more significant decimals than the column
  holds is an error, trailing zeros are not ("1.500" is 1.50);
- dates are ISO `YYYY-MM-DD`;
- unknown keys are an error (a misspelt "ammount" must not silently mean "no amount");
- `external_id` / `code` is a non-empty string of at most 64 characters; a key repeated
  inside one batch is an error on every repetition after the first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from .errors import ItemError, item_error

CURRENCY_RE = re.compile(r"[A-Z]{3}")
_DECIMAL_RE = re.compile(r"-?(\d+)(?:\.(\d+))?")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MISSING = object()


class FieldError(Exception):
    """One field's value is not acceptable; the message completes "<field> …"."""


def decimal_value(value: Any, *, max_digits: int, places: int, positive: bool = False) -> Decimal:
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | Decimal) and not isinstance(value, bool):
        if isinstance(value, Decimal) and not value.is_finite():
            raise FieldError("must be a finite decimal number")
        text = format(value, "f")
    else:
        raise FieldError(f'must be a decimal string such as "1234.50", not {_json_type(value)}')
    match = _DECIMAL_RE.fullmatch(text)
    if match is None:
        raise FieldError(f'must be a decimal number such as "1234.50", not "{text[:40]}"')
    whole, fraction = match.group(1), match.group(2) or ""
    if len(fraction.rstrip("0")) > places:
        raise FieldError(f"must have at most {places} decimal places")
    if len(whole.lstrip("0")) > max_digits - places:
        raise FieldError(f"is too large: at most {max_digits - places} digits before the point")
    number = Decimal(text)
    if positive and number <= 0:
        raise FieldError("must be greater than 0")
    return number


@dataclass(frozen=True)
class DecimalSpec:
    """A decimal field of the ERP contract: the validator and the schema's pattern, from the
    same numbers (tests/reports/test_erp_schema.py proves they accept the same strings)."""

    max_digits: int
    places: int
    positive: bool = False

    def parse(self, value: Any) -> Decimal:
        return decimal_value(
            value, max_digits=self.max_digits, places=self.places, positive=self.positive
        )

    @property
    def pattern(self) -> str:
        """What `parse` accepts as a string, as an ECMA/Python regular expression: trailing
        zeros past `places` and leading zeros are fine ("1.500", "007")."""
        whole = self.max_digits - self.places
        if self.positive:
            return (
                rf"^(?:0*[1-9][0-9]{{0,{whole - 1}}}(?:\.[0-9]{{1,{self.places}}}0*)?"
                rf"|0+\.[0-9]{{0,{self.places - 1}}}[1-9]0*)$"
            )
        return rf"^-?0*[0-9]{{1,{whole}}}(?:\.[0-9]{{1,{self.places}}}0*)?$"


MONEY = DecimalSpec(max_digits=16, places=2)
QUANTITY = DecimalSpec(max_digits=16, places=4)
RATE = DecimalSpec(max_digits=20, places=8, positive=True)
CURRENCY_PATTERN = r"^[A-Za-z]{3}$"  # currency_value upper-cases what it is sent
NOT_BLANK_PATTERN = r"\S"  # keys and names: something besides white space


def date_value(value: Any, cache: dict[str, dt.date]) -> dt.date:
    if type(value) is str:
        cached = cache.get(value)
        if cached is not None:
            return cached
        if _DATE_RE.fullmatch(value):
            try:
                cache[value] = parsed = dt.date.fromisoformat(value)
                return parsed
            except ValueError:
                pass
        raise FieldError(f'must be a date as YYYY-MM-DD, not "{value[:40]}"')
    raise FieldError(f"must be a date string as YYYY-MM-DD, not {_json_type(value)}")


def text_value(value: Any, *, max_length: int, required: bool = False) -> str:
    """A string; null means empty for optional fields."""
    if value is None and not required:
        return ""
    if type(value) is not str:
        raise FieldError(f"must be a string, not {_json_type(value)}")
    if required and not value.strip():
        raise FieldError("must not be blank")
    if len(value) > max_length:
        raise FieldError(f"must be at most {max_length} characters")
    return value


def key_value(value: Any) -> str:
    if type(value) is not str:
        raise FieldError(f"must be a string, not {_json_type(value)}")
    if not value.strip():
        raise FieldError("must not be blank")
    if len(value) > 64:
        raise FieldError("must be at most 64 characters")
    return value


def optional_ref(value: Any, *, max_length: int = 64) -> str | None:
    """A reference by external id or code; null or "" means none."""
    if value is None or value == "":
        return None
    if type(value) is not str:
        raise FieldError(f"must be a string, not {_json_type(value)}")
    if len(value) > max_length:
        raise FieldError(f"must be at most {max_length} characters")
    return value


def currency_value(value: Any) -> str:
    if type(value) is str and CURRENCY_RE.fullmatch(value.upper()):
        return value.upper()
    raise FieldError('must be a three-letter ISO 4217 code such as "EUR"')


def bool_value(value: Any) -> bool:
    if type(value) is not bool:
        raise FieldError(f"must be true or false, not {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _Collector:
    """Per-batch helper: the item loop stays flat and every field error is kept."""

    def __init__(self, *, key_field: str, allowed: frozenset[str]) -> None:
        self.key_field = key_field
        self.allowed = allowed
        self.errors: list[ItemError] = []
        self.first_index: dict[Any, int] = {}

    def start(self, index: int, item: Any) -> Any:
        """Check the item's shape and key; return the key or _MISSING when unusable."""
        if type(item) is not dict:
            self.errors.append(
                item_error(index, None, None, f"must be a JSON object, not {_json_type(item)}")
            )
            return _MISSING
        raw_key = item.get(self.key_field, _MISSING)
        unknown = item.keys() - self.allowed
        for name in sorted(unknown, key=str):
            self.errors.append(
                item_error(
                    index,
                    raw_key if raw_key is not _MISSING else None,
                    str(name),
                    "is not a field of this endpoint",
                )
            )
        if raw_key is _MISSING:
            self.errors.append(item_error(index, None, self.key_field, "is required"))
            return _MISSING
        try:
            key = key_value(raw_key)
        except FieldError as exc:
            self.errors.append(item_error(index, raw_key, self.key_field, str(exc)))
            return _MISSING
        return key

    def check_duplicate(self, index: int, key: Any) -> None:
        first = self.first_index.setdefault(key, index)
        if first != index:
            self.errors.append(
                item_error(
                    index,
                    _display(key),
                    self.key_field,
                    f"repeats the {self.key_field} of item {first} in this batch",
                )
            )

    def add(self, index: int, key: Any, field: str, message: str) -> None:
        self.errors.append(item_error(index, _display(key), field, message))


def _display(key: Any) -> Any:
    return key if isinstance(key, str) else None


# --- revenue lines --------------------------------------------------------------------
# The columns of a parsed line; its fields are the contract's field names.
_LINE_COLUMNS = (
    "index",
    "external_id",
    "account",
    "category",
    "date",
    "amount",
    "currency",
    "cost",
    "quantity",
    "distributor",
    "contract",
)
LINE_FIELDS = frozenset(_LINE_COLUMNS[1:])


@dataclass(slots=True)
class ParsedLines:
    """Column lists of the valid lines (parallel, one entry per line)."""

    index: list[int]
    external_id: list[str]
    account: list[str]
    category: list[str]
    date: list[dt.date]
    amount: list[Decimal]
    currency: list[str]
    cost: list[Decimal | None]
    quantity: list[Decimal | None]
    distributor: list[str | None]
    contract: list[str | None]  # a contract number of the line's account


def parse_lines(items: list[Any], *, base_currency: str) -> tuple[ParsedLines, list[ItemError]]:
    """Valid lines as columns, and the errors of the bad ones.

    A well-formed line takes the fast path (a few type checks and one anchored regex per
    number, ~3 µs); any doubt sends the item through `_line_errors`, which checks every
    field with the precise parsers and says what is wrong."""
    c = _Collector(key_field="external_id", allowed=LINE_FIELDS)
    out = ParsedLines([], [], [], [], [], [], [], [], [], [], [])
    dates: dict[str, dt.date] = {}
    currencies = {base_currency}
    money = _MONEY_FAST.fullmatch
    qty = _QUANTITY_FAST.fullmatch
    allowed = LINE_FIELDS
    first_index = c.first_index
    for i, item in enumerate(items):
        if type(item) is dict and item.keys() <= allowed:
            get = item.get
            key, account, category = get("external_id"), get("account"), get("category")
            amount, date = get("amount"), get("date")
            currency, cost, quantity = get("currency"), get("cost"), get("quantity")
            distributor, contract = get("distributor"), get("contract")
            if (
                type(key) is str
                and 0 < len(key) <= 64
                and not key.isspace()
                and type(account) is str
                and 0 < len(account) <= 64
                and not account.isspace()
                and type(category) is str
                and 0 < len(category) <= 64
                and not category.isspace()
                and type(amount) is str
                and money(amount)
                and type(date) is str
                and (date in dates or _date_ok(date, dates))
                and (
                    currency is None
                    or (
                        type(currency) is str
                        and (currency in currencies or _currency_ok(currency, currencies))
                    )
                )
                and (cost is None or (type(cost) is str and money(cost)))
                and (quantity is None or (type(quantity) is str and qty(quantity)))
                and (distributor is None or (type(distributor) is str and len(distributor) <= 64))
                and (contract is None or (type(contract) is str and len(contract) <= 64))
                and first_index.setdefault(key, i) == i
            ):
                out.index.append(i)
                out.external_id.append(key)
                out.account.append(account)
                out.category.append(category)
                out.date.append(dates[date])
                out.amount.append(Decimal(amount))
                out.currency.append(base_currency if currency is None else currency)
                out.cost.append(None if cost is None else Decimal(cost))
                out.quantity.append(None if quantity is None else Decimal(quantity))
                out.distributor.append(distributor or None)
                out.contract.append(contract or None)
                continue
        parsed = _line_errors(c, i, item, dates, base_currency)
        if parsed is not None:  # valid after all (a JSON number, trailing zeros, "eur")
            for column, value in zip(_LINE_COLUMNS, (i, *parsed), strict=True):
                getattr(out, column).append(value)
    return out, c.errors


_MONEY_FAST = re.compile(r"-?\d{1,14}(?:\.\d{1,2})?")
_QUANTITY_FAST = re.compile(r"\d{1,12}(?:\.\d{1,4})?")


def _date_ok(value: str, cache: dict[str, dt.date]) -> bool:
    try:
        date_value(value, cache)
    except FieldError:
        return False
    return True


def _currency_ok(value: str, known: set[str]) -> bool:
    # Only upper-case codes take the fast path, so the stored code is the one sent.
    if CURRENCY_RE.fullmatch(value):
        known.add(value)
        return True
    return False


def _line_errors(
    c: _Collector, i: int, item: Any, dates: dict[str, dt.date], base_currency: str
) -> tuple | None:
    """The slow path: every field checked precisely; the parsed line, or None when bad."""
    key = c.start(i, item)
    if type(item) is not dict:
        return None
    if key is not _MISSING:
        c.check_duplicate(i, key)
    errors_before = len(c.errors)
    add = c.add
    get = item.get
    values: dict[str, Any] = {}
    for name in ("account", "category"):
        try:
            values[name] = key_value(get(name))
        except FieldError as exc:
            add(i, key, name, "is required" if get(name) is None else str(exc))
    parse: Callable[[Any], object]
    for name, parse in (
        ("date", lambda v: date_value(v, dates)),
        ("amount", MONEY.parse),
    ):
        raw = get(name)
        try:
            values[name] = parse(raw)
        except FieldError as exc:
            add(i, key, name, "is required" if raw is None else str(exc))
    for name, parse in (
        ("currency", currency_value),
        ("cost", MONEY.parse),
        ("quantity", QUANTITY.parse),
        ("distributor", optional_ref),
        ("contract", optional_ref),
    ):
        raw = get(name)
        if raw is None:
            values[name] = base_currency if name == "currency" else None
            continue
        try:
            values[name] = parse(raw)
        except FieldError as exc:
            add(i, key, name, str(exc))
    if key is _MISSING or len(c.errors) != errors_before:
        return None
    return (
        key,
        values["account"],
        values["category"],
        values["date"],
        values["amount"],
        values["currency"],
        values["cost"],
        values["quantity"],
        values["distributor"],
        values["contract"],
    )


def parse_external_ids(items: list[Any]) -> tuple[list[str], list[ItemError]]:
    """The delete endpoint's list of revenue-line ids (repeats are harmless there)."""
    errors: list[ItemError] = []
    ids: dict[str, None] = {}
    for i, value in enumerate(items):
        try:
            ids[key_value(value)] = None
        except FieldError as exc:
            errors.append(item_error(i, value, "external_ids", str(exc)))
    return list(ids), errors


# --- master data ------------------------------------------------------------------------
@dataclass(slots=True)
class Parsed:
    """One valid master-data item: its index, key, and the fields it sent (omitted keys are
    absent, so the upsert keeps what is stored)."""

    index: int
    key: Any
    fields: dict[str, Any]


def _parse_master(
    items: list[Any], *, key_field: str, specs: tuple[tuple[str, Any, bool], ...]
) -> tuple[list[Parsed], list[ItemError]]:
    """Master-data items: `specs` are (field, parser, required); an omitted optional field
    is left out of `fields`, so the upsert keeps the stored value."""
    c = _Collector(key_field=key_field, allowed=frozenset({key_field, *(s[0] for s in specs)}))
    out: list[Parsed] = []
    for i, item in enumerate(items):
        key = c.start(i, item)
        if type(item) is not dict:
            continue
        if key is not _MISSING:
            c.check_duplicate(i, key)
        errors_before = len(c.errors)
        fields: dict[str, Any] = {}
        for name, parse, required in specs:
            if name not in item:
                if required:
                    c.add(i, key, name, "is required")
                continue
            try:
                fields[name] = parse(item[name])
            except FieldError as exc:
                c.add(i, key, name, str(exc))
        if key is not _MISSING and fields.get("parent") == key:
            c.add(i, key, "parent", "an account cannot be its own parent")
        if key is not _MISSING and len(c.errors) == errors_before:
            out.append(Parsed(i, key, fields))
    return out, c.errors


_NAME = partial(text_value, max_length=255, required=True)
_CODE_REF = partial(optional_ref, max_length=32)

ACCOUNT_SPECS = (
    ("name", _NAME, True),
    ("legal_name", partial(text_value, max_length=255), False),
    ("tax_id", partial(text_value, max_length=32), False),
    ("parent", optional_ref, False),
    ("region", _CODE_REF, False),
    ("industry", _CODE_REF, False),
)
parse_accounts = partial(_parse_master, key_field="external_id", specs=ACCOUNT_SPECS)
parse_categories = partial(
    _parse_master, key_field="code", specs=(("name", _NAME, True), ("active", bool_value, False))
)
parse_distributors = partial(
    _parse_master,
    key_field="external_id",
    specs=(("name", _NAME, True), ("region", _CODE_REF, False)),
)


RATE_FIELDS = frozenset({"currency", "date", "rate"})


def parse_rates(items: list[Any], *, base_currency: str) -> tuple[list[Parsed], list[ItemError]]:
    """Rates are keyed by (currency, date); errors name the currency as the item's key."""
    errors: list[ItemError] = []
    out: list[Parsed] = []
    first_index: dict[tuple[str, dt.date], int] = {}
    dates: dict[str, dt.date] = {}
    for i, item in enumerate(items):
        if type(item) is not dict:
            errors.append(
                item_error(i, None, None, f"must be a JSON object, not {_json_type(item)}")
            )
            continue
        label = item.get("currency") if isinstance(item.get("currency"), str) else None
        errors_before = len(errors)
        for name in sorted(item.keys() - RATE_FIELDS, key=str):
            errors.append(item_error(i, label, str(name), "is not a field of this endpoint"))
        values: dict[str, Any] = {}
        for name, parse in (
            ("currency", currency_value),
            ("date", lambda v: date_value(v, dates)),
            ("rate", RATE.parse),
        ):
            raw = item.get(name)
            if raw is None:
                errors.append(item_error(i, label, name, "is required"))
                continue
            try:
                values[name] = parse(raw)
            except FieldError as exc:
                errors.append(item_error(i, label, name, str(exc)))
        if values.get("currency") == base_currency:
            errors.append(
                item_error(
                    i,
                    label,
                    "currency",
                    f"{base_currency} is the base currency: its rate is always 1",
                )
            )
        if len(errors) != errors_before:
            continue
        key = (values["currency"], values["date"])
        first = first_index.setdefault(key, i)
        if first != i:
            errors.append(
                item_error(
                    i, label, "date", f"repeats the currency and date of item {first} in this batch"
                )
            )
            continue
        out.append(Parsed(i, key, {"rate": values["rate"]}))
    return out, errors
