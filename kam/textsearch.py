"""How text is matched when a person searches: the one rule, in Python and in SQL.

A query and a stored value match when the query, folded, is a part of the value, folded:
case-insensitive (Unicode, so "ИВАН" finds "Иван"), with ё read as е (Russians type е
for ё), and phone numbers compared by their digits only ("926 123" finds
"+7 (926) 123-45-67").

On PostgreSQL the folding is `lower(translate(…))`, `regexp_replace(…)`, with trigram
GIN indexes on exactly those expressions (accounts and plans migrations `search_*`), so
`LIKE '%…%'` over 100 000 contacts is an index scan. SQLite's own lower() folds ASCII
only, so on SQLite (the embedded demo) the same names call Python functions registered
on each connection.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import CharField, Func, Q

MIN_QUERY = 2  # shorter queries match too much to be useful and defeat the indexes
PHONE_CHARACTERS = frozenset("0123456789 +-().")
MIN_PHONE_DIGITS = 3

_NOT_DIGIT = re.compile(r"\D")

# The SQL of fold() and digits(): the expressions below and the indexes on them share it.
FOLD_SQL = "lower(translate({}, 'Ёё', 'Ее'))"
DIGITS_SQL = "regexp_replace({}, '[^0-9]', '', 'g')"


def fold(text: str) -> str:
    """The folded form a query is compared in."""
    return text.casefold().replace("ё", "е")


def digits(text: str) -> str:
    return _NOT_DIGIT.sub("", text)


class Folded(Func):
    """fold() of a column, in SQL."""

    output_field = CharField()
    template = FOLD_SQL.format("%(expressions)s")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="kam_fold(%(expressions)s)", **extra)


class Digits(Func):
    """digits() of a column, in SQL."""

    output_field = CharField()
    template = DIGITS_SQL.format("%(expressions)s")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="kam_digits(%(expressions)s)", **extra)


def matching(query: str, *, text: tuple[str, ...] = (), phones: tuple[str, ...] = ()) -> Q:
    """A filter: rows whose `text` fields contain the folded query, or whose `phones`
    contain its digits — when the query reads as a phone number (digits and + - ( ) .
    only, at least MIN_PHONE_DIGITS digits): "Client 000" is a name, not every phone with
    000 in it."""
    needle, number = fold(query.strip()), digits(query)
    condition = Q()
    for name in text:
        condition |= Q(**{f"{_alias(name)}__contains": needle})
    if len(number) >= MIN_PHONE_DIGITS and set(query.strip()) <= PHONE_CHARACTERS:
        for name in phones:
            condition |= Q(**{f"{_alias(name, 'digits')}__contains": number})
    return condition


def aliases(*, text: tuple[str, ...] = (), phones: tuple[str, ...] = ()) -> dict[str, Func]:
    """The annotations `matching` filters on: pass to QuerySet.alias(**…)."""
    found: dict[str, Func] = {_alias(name): Folded(name) for name in text}
    found.update({_alias(name, "digits"): Digits(name) for name in phones})
    return found


def _alias(name: str, kind: str = "folded") -> str:
    return f"_{kind}_{name.replace('__', '_')}"


def trigram_indexes_create(schema_editor: Any, table: str, columns: dict[str, str]) -> None:
    """Migration helper: a trigram GIN index on FOLD_SQL / DIGITS_SQL (the value of
    `columns`) of each column, named `<table>_<column>_search`. PostgreSQL only."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column, expression in columns.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{table}_{column}_search" ON "{table}" '
            f"USING gin (({expression.format(column)}) gin_trgm_ops)"
        )


def trigram_indexes_drop(schema_editor: Any, table: str, columns: dict[str, str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in columns:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_search"')


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created receiver: give SQLite the functions Folded and Digits call."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        "kam_fold", 1, lambda s: None if s is None else fold(s), deterministic=True
    )
    connection.connection.create_function(
        "kam_digits", 1, lambda s: None if s is None else digits(s), deterministic=True
    )
