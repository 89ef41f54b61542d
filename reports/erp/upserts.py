"""Set-based writes of validated ERP batches.

Each `*_upsert` runs inside the caller's transaction (see `batches.py`), resolves every
reference with one query per kind, raises `BatchRejected` listing every bad item before
anything is written, and returns exact counts.

Two write paths:
- revenue lines on PostgreSQL (the hot path: a million lines a night): read the stored
  versions of the batch's lines in one query; COPY the new lines straight into the table;
  merge the changed ones through a staging table with one `INSERT … ON CONFLICT
  (external_id) DO UPDATE … WHERE (row) IS DISTINCT FROM (excluded)`; leave equal lines
  alone (no write, no `updated_at` churn). See `_lines_merge_postgres` for the races;
- everything else, and revenue lines on SQLite (the embedded demo): read the stored rows of
  the batch's keys in one query, compare in Python, `bulk_create` the new and
  `bulk_update` only the changed ones. Master data batches are small; a per-kind
  advisory lock makes this read-compare-write safe against a concurrent ERP process.

History: simple-history records Account saves through signals, which bulk writes bypass.
ERP changes to accounts are worth an audit trail, so created and changed accounts get one
history row each (`history_user` = the integration user, reason "ERP import"); unchanged
accounts get none, so a re-post leaves no trace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import connection, models
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from accounts.models import Account, Distributor, Industry, Region, TimeStamped
from plans.models import Contract
from reports.models import ExchangeRate, ProductCategory, RevenueLine

from .currency import MAX_BASE, RateBook, group_dates, revenue_lines_reconvert, to_base
from .errors import BatchRejected, ItemError, item_error
from .validation import Parsed, ParsedLines

if TYPE_CHECKING:
    from accounts.models import User

HISTORY_REASON = "ERP import"

M = TypeVar("M", bound=models.Model)
CodeModel = TypeVar("CodeModel", Region, Industry)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


# --- locks and lookups -------------------------------------------------------------------
def reject_if_any(*error_lists: list[ItemError]) -> None:
    """Raise with every error found so far, in item order (nothing has been written yet)."""
    errors = [e for errors in error_lists for e in errors]
    if errors:
        raise BatchRejected(sorted(errors, key=lambda e: -1 if e["index"] is None else e["index"]))


def erp_lock(name: str, *, shared: bool = False) -> None:
    """Transaction-scoped advisory lock per kind of ERP data (a no-op on SQLite, whose
    IMMEDIATE transactions already serialize writers).

    Rate imports take "rates" exclusively and line imports take it shared: a line converted
    with the old rate can never commit after the re-conversion of a corrected rate, while
    line batches still run side by side."""
    if connection.vendor != "postgresql":
        return
    func = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {func}(hashtext(%s))", [f"kam.erp.{name}"])


def _chunks(values: Sequence[Any], size: int = 5000) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


_KEY_SEPARATOR = "\x1f"  # ASCII unit separator: never in a sane external id


def any_keys(keys: list[str]) -> tuple[str, Any]:
    """SQL `ANY(…)` and its parameter for a PostgreSQL key lookup. One text parameter split
    server-side: psycopg adapts a 10 000-item list in Python (~50 ms), a joined string costs
    nothing. Keys that hold the separator take the list."""
    joined = _KEY_SEPARATOR.join(keys)
    if joined.count(_KEY_SEPARATOR) == len(keys) - 1:
        return f"ANY(string_to_array(%s, chr({ord(_KEY_SEPARATOR)})))", joined
    return "ANY(%s)", keys


def ids_by_key(model: type[models.Model], key_field: str, keys: Iterable[str]) -> dict[str, int]:
    """key -> id for the keys that exist: one `= ANY(array)` query on PostgreSQL."""
    keys = list(set(keys))
    if not keys:
        return {}
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        condition, param = any_keys(keys)
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT "{key_field}", id FROM "{table}" WHERE "{key_field}" = {condition}',
                [param],
            )
            return dict(cursor.fetchall())
    found: dict[str, int] = {}
    for chunk in _chunks(keys):
        found.update(
            model._default_manager.filter(**{f"{key_field}__in": chunk}).values_list(
                key_field, "id"
            )
        )
    return found


def objects_by_key(
    queryset: models.QuerySet[M], key_field: str, keys: Sequence[Any]
) -> dict[Any, M]:
    found: dict[Any, M] = {}
    for chunk in _chunks(list(keys)):
        for obj in queryset.filter(**{f"{key_field}__in": chunk}):
            found[getattr(obj, key_field)] = obj
    return found


def codes_ensure(model: type[CodeModel], codes: set[str]) -> dict[str, int]:
    """Regions and industries are upserted by code: an unknown code is created with the code
    as its name (people rename it later; the ERP never renames an existing one)."""
    if not codes:
        return {}
    found = ids_by_key(model, "code", codes)
    missing = sorted(codes - found.keys())
    if missing:
        model.objects.bulk_create([model(code=c, name=c) for c in missing], ignore_conflicts=True)
        found = ids_by_key(model, "code", codes)
    return found


def bulk_set(model: type[M], objs: list[M], names: list[str]) -> None:
    """Write `names` of `objs` by id. On PostgreSQL one `UPDATE … FROM unnest(arrays)`;
    Django's bulk_update builds a CASE per row and field, ~1 ms a row for 10 000 rows."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, names, batch_size=500)
        return
    by_name = {n: f for f in model._meta.concrete_fields for n in (f.name, f.attname)}
    fields = [by_name[name] for name in names]
    pk = model._meta.pk
    columns = [pk, *fields]
    arrays = [[getattr(obj, f.attname) for obj in objs] for f in columns]
    unnest = ", ".join(f"%s::{f.db_type(connection)}[]" for f in columns)
    names_sql = ", ".join(f'"{f.column}"' for f in columns)
    sets = ", ".join(f'"{f.column}" = v."{f.column}"' for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{model._meta.db_table}" AS t SET {sets} '
            f'FROM unnest({unnest}) AS v({names_sql}) WHERE t."{pk.column}" = v."{pk.column}"',
            arrays,
        )


def _write_diff(
    model: type[M],
    rows: list[tuple[Any, dict[str, Any]]],
    existing: Mapping[Any, M],
    *,
    now: dt.datetime,
    build_new: Callable[[Any, dict[str, Any]], M] | None = None,
) -> tuple[list[M], list[M], int]:
    """Create the missing rows, update only changed ones. Returns (created, changed, same)."""
    created: list[M] = []
    changed: list[M] = []
    changed_fields: set[str] = set()
    for key, values in rows:
        obj = existing.get(key)
        if obj is None:
            created.append(build_new(key, values) if build_new else model(**values))
            continue
        dirty = [name for name, value in values.items() if getattr(obj, name) != value]
        if dirty:
            for name in dirty:
                setattr(obj, name, values[name])
            changed_fields.update(dirty)
            changed.append(obj)
    if created:
        model._default_manager.bulk_create(created, batch_size=1000)
    if changed:
        stamped = [row for row in changed if isinstance(row, TimeStamped)]
        for row in stamped:
            row.updated_at = now
        if stamped:
            changed_fields.add("updated_at")
        bulk_set(model, changed, sorted(changed_fields))
    return created, changed, len(rows) - len(created) - len(changed)


# --- accounts ----------------------------------------------------------------------------
def accounts_upsert(*, parsed: list[Parsed], user: User, errors: list[ItemError]) -> Counts:
    """Upsert the customer master by external_id; KAM fields are never touched, parents may
    come later in the batch, cycles and unknown parents are rejected with `errors`."""
    erp_lock("accounts")
    keys = [p.key for p in parsed]
    batch_keys = set(keys)
    existing = objects_by_key(Account.objects.all(), "external_id", keys)
    ref_errors: list[ItemError] = []

    wanted_parents = {p.fields["parent"] for p in parsed if p.fields.get("parent")}
    outside_parents = ids_by_key(Account, "external_id", wanted_parents - batch_keys)
    for p in parsed:
        parent = p.fields.get("parent")
        if parent and parent not in batch_keys and parent not in outside_parents:
            ref_errors.append(item_error(p.index, p.key, "parent", f'unknown account "{parent}"'))
    if wanted_parents:
        ref_errors += _parent_cycles(parsed, existing)
    reject_if_any(errors, ref_errors)

    regions = codes_ensure(Region, {p.fields["region"] for p in parsed if p.fields.get("region")})
    industries = codes_ensure(
        Industry, {p.fields["industry"] for p in parsed if p.fields.get("industry")}
    )
    now = timezone.now()
    rows = []
    for p in parsed:
        f = p.fields
        values: dict[str, Any] = {}
        for name in ("name", "legal_name", "tax_id"):
            if name in f:
                values[name] = f[name]
        if "region" in f:
            values["region_id"] = regions.get(f["region"])
        if "industry" in f:
            values["industry_id"] = industries.get(f["industry"])
        rows.append((p.key, values))
    created, changed, _same = _write_diff(
        Account,
        rows,
        existing,
        now=now,
        build_new=lambda key, values: Account(external_id=key, **values),
    )
    counts = Counts(created=len(created), updated=len(changed), unchanged=0)

    # Parents second: a parent may be created by this very batch.
    ids = {a.external_id: a.pk for a in [*existing.values(), *created]} | outside_parents
    by_key = {a.external_id: a for a in [*existing.values(), *created]}
    changed_ids = {a.pk for a in changed}
    created_ids = {a.pk for a in created}
    parent_dirty = []
    for p in parsed:
        if "parent" not in p.fields:
            continue
        obj = by_key[p.key]
        parent_id = ids[p.fields["parent"]] if p.fields["parent"] else None
        if obj.parent_id != parent_id:
            obj.parent_id = parent_id
            obj.updated_at = now
            parent_dirty.append(obj)
            if obj.pk not in created_ids and obj.pk not in changed_ids:
                changed_ids.add(obj.pk)
                changed.append(obj)
    if parent_dirty:
        bulk_set(Account, parent_dirty, ["parent", "updated_at"])
    counts.updated = len(changed)
    counts.unchanged = len(parsed) - counts.created - counts.updated

    history_user = user if getattr(user, "pk", None) else None
    if created:
        Account.history.bulk_history_create(
            created,
            default_user=history_user,
            default_change_reason=HISTORY_REASON,
            default_date=now,
            batch_size=1000,
        )
    if changed:
        Account.history.bulk_history_create(
            changed,
            update=True,
            default_user=history_user,
            default_change_reason=HISTORY_REASON,
            default_date=now,
            batch_size=1000,
        )
    return counts


def _parent_cycles(parsed: list[Parsed], existing: dict[str, Account]) -> list[ItemError]:
    """Items whose new parent closes a loop, counting the parents already stored."""
    # A prospect (no key yet) cannot be named by an ERP item, so it closes no loop.
    parent_of: dict[str, str | None] = {
        child: parent
        for child, parent in Account.objects.filter(parent__isnull=False).values_list(
            "external_id", "parent__external_id"
        )
        if child is not None
    }
    for p in parsed:
        if "parent" in p.fields:
            parent_of[p.key] = p.fields["parent"]
    index_of = {p.key: p.index for p in parsed}
    errors: list[ItemError] = []
    settled: set[str] = set()  # reaches a root, or already reported
    for start in index_of:
        path: list[str] = []
        on_path: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in settled:
            if node in on_path:
                loop = path[on_path[node] :]
                shown = " → ".join([*loop, node])
                for member in loop:
                    if member in index_of:
                        errors.append(
                            item_error(
                                index_of[member],
                                member,
                                "parent",
                                f"would make a cycle of parent accounts: {shown}",
                            )
                        )
                break
            on_path[node] = len(path)
            path.append(node)
            node = parent_of.get(node)
        settled.update(path)
    return errors


# --- categories, distributors, rates -------------------------------------------------------
def _master_upsert(
    model: type[M],
    key_field: str,
    parsed: list[Parsed],
    values_of: Callable[[Parsed], dict[str, Any]],
) -> Counts:
    existing = objects_by_key(model._default_manager.all(), key_field, [p.key for p in parsed])
    created, changed, same = _write_diff(
        model,
        [(p.key, values_of(p)) for p in parsed],
        existing,
        now=timezone.now(),
        build_new=lambda key, values: model(**{key_field: key}, **values),
    )
    return Counts(len(created), len(changed), same)


def categories_upsert(*, parsed: list[Parsed], user: User, errors: list[ItemError]) -> Counts:
    """Upsert product categories by code, unless the batch already has `errors`."""
    reject_if_any(errors)
    erp_lock("categories")
    return _master_upsert(ProductCategory, "code", parsed, lambda p: dict(p.fields))


def distributors_upsert(*, parsed: list[Parsed], user: User, errors: list[ItemError]) -> Counts:
    """Name and region only: the contacts and account links people keep stay untouched."""
    reject_if_any(errors)
    erp_lock("distributors")
    regions = codes_ensure(Region, {p.fields["region"] for p in parsed if p.fields.get("region")})

    def values_of(p: Parsed) -> dict[str, Any]:
        values: dict[str, Any] = {"name": p.fields["name"]}
        if "region" in p.fields:
            values["region_id"] = regions.get(p.fields["region"])
        return values

    return _master_upsert(Distributor, "external_id", parsed, values_of)


def exchange_rates_upsert(*, parsed: list[Parsed], user: User, errors: list[ItemError]) -> Counts:
    """Upsert rates, then re-convert the lines they govern, in the same transaction."""
    reject_if_any(errors)
    erp_lock("rates")
    existing: dict[tuple[str, dt.date], ExchangeRate] = {}
    by_currency: dict[str, list[dt.date]] = {}
    for p in parsed:
        by_currency.setdefault(p.key[0], []).append(p.key[1])
    for currency, dates in by_currency.items():
        for rate in ExchangeRate.objects.filter(currency=currency, date__in=dates):
            existing[(rate.currency, rate.date)] = rate
    rows = [(p.key, {"rate": p.fields["rate"]}) for p in parsed]
    created, changed, same = _write_diff(
        ExchangeRate,
        rows,
        existing,
        now=timezone.now(),
        build_new=lambda key, values: ExchangeRate(currency=key[0], date=key[1], **values),
    )
    revenue_lines_reconvert((r.currency, r.date) for r in [*created, *changed])
    return Counts(len(created), len(changed), same)


# --- revenue lines -------------------------------------------------------------------------
LINE_COLUMNS = (
    "external_id",
    "account_id",
    "category_id",
    "date",
    "amount",
    "currency",
    "amount_base",
    "cost",
    "cost_base",
    "quantity",
    "distributor_id",
    "contract_id",
)


def revenue_lines_upsert(*, parsed: ParsedLines, user: User, errors: list[ItemError]) -> Counts:
    """Upsert revenue lines by external_id, converted to the base currency; an unknown
    reference or a missing rate is an item error and nothing is written."""
    lines = parsed
    # Shared: line batches run side by side, but never across a rate correction.
    erp_lock("rates", shared=True)
    rows, ref_errors = _resolve_lines(lines)
    reject_if_any(errors, ref_errors)
    if connection.vendor == "postgresql":
        created, updated = _lines_merge_postgres(rows)
    else:
        created, updated = _lines_merge_orm(rows)
    return Counts(created, updated, len(rows) - created - updated)


def _resolve_lines(lines: ParsedLines) -> tuple[list[tuple], list[ItemError]]:
    """References to ids, amounts to the base currency; every miss is an item error."""
    accounts = ids_by_key(Account, "external_id", lines.account)
    categories = ids_by_key(ProductCategory, "code", lines.category)
    distributors = ids_by_key(Distributor, "external_id", (d for d in lines.distributor if d))
    contracts = _contract_ids(lines, accounts)
    base = settings.BASE_CURRENCY
    foreign = [(c, d) for c, d in zip(lines.currency, lines.date, strict=True) if c != base]
    book = RateBook(group_dates(foreign))  # no query without foreign lines

    errors: list[ItemError] = []
    rows: list[tuple] = []
    get_account, get_category = accounts.get, categories.get
    for (
        i,
        key,
        account,
        category,
        date,
        amount,
        currency,
        cost,
        quantity,
        distributor,
        contract,
    ) in zip(
        lines.index,
        lines.external_id,
        lines.account,
        lines.category,
        lines.date,
        lines.amount,
        lines.currency,
        lines.cost,
        lines.quantity,
        lines.distributor,
        lines.contract,
        strict=True,
    ):
        account_id = get_account(account)
        category_id = get_category(category)
        distributor_id = None if distributor is None else distributors.get(distributor)
        contract_id = (
            None
            if contract is None or account_id is None
            else contracts.get((account_id, contract))
        )
        if currency == base:
            amount_base, cost_base = amount, cost
        else:
            rate = book.rate(currency, date)
            if rate is None:
                amount_base = cost_base = None
            else:
                amount_base = to_base(amount, rate)
                cost_base = None if cost is None else to_base(cost, rate)
        if (
            account_id is None
            or category_id is None
            or amount_base is None
            or (distributor is not None and distributor_id is None)
            or (contract is not None and contract_id is None)
            or (currency != base and _too_big(amount_base, cost_base))
        ):
            errors += _line_reference_errors(
                i,
                key,
                account_id,
                account,
                category_id,
                category,
                distributor_id,
                distributor,
                currency,
                date,
                amount_base,
                cost_base,
            )
            if contract is not None and contract_id is None and account_id is not None:
                errors.append(
                    item_error(
                        i,
                        key,
                        "contract",
                        f'unknown contract "{contract}" for account "{account}"',
                    )
                )
            continue
        rows.append(
            (
                key,
                account_id,
                category_id,
                date,
                amount,
                currency,
                amount_base,
                cost,
                cost_base,
                quantity,
                distributor_id,
                contract_id,
            )
        )
    return rows, errors


def _contract_ids(lines: ParsedLines, accounts: dict[str, int]) -> dict[tuple[int, str], int]:
    """{(account id, contract number): contract id} for the numbers the batch names (one
    query, none when no line names a contract): a number is looked up in its line's
    account only, so another client's contract of the same number is unknown here."""
    wanted = {
        (accounts[account], number)
        for account, number in zip(lines.account, lines.contract, strict=True)
        if number is not None and account in accounts
    }
    if not wanted:
        return {}
    rows = Contract.objects.filter(
        account_id__in={a for a, _n in wanted}, number__in={n for _a, n in wanted}
    ).values_list("account_id", "number", "pk")
    return {(a, n): pk for a, n, pk in rows if (a, n) in wanted}


def _too_big(amount_base: Decimal, cost_base: Decimal | None) -> bool:
    return abs(amount_base) >= MAX_BASE or (cost_base is not None and abs(cost_base) >= MAX_BASE)


def _line_reference_errors(
    i: int,
    key: str,
    account_id: int | None,
    account: str,
    category_id: int | None,
    category: str,
    distributor_id: int | None,
    distributor: str | None,
    currency: str,
    date: dt.date,
    amount_base: Decimal | None,
    cost_base: Decimal | None,
) -> list[ItemError]:
    errors: list[ItemError] = []
    if account_id is None:
        errors.append(item_error(i, key, "account", f'unknown account "{account}"'))
    if category_id is None:
        errors.append(item_error(i, key, "category", f'unknown category "{category}"'))
    if distributor is not None and distributor_id is None:
        errors.append(item_error(i, key, "distributor", f'unknown distributor "{distributor}"'))
    if amount_base is None:
        errors.append(
            item_error(
                i, key, "currency", f"no {currency} exchange rate on or before {date.isoformat()}"
            )
        )
    elif _too_big(amount_base, cost_base):
        errors.append(item_error(i, key, "amount", "is too large once converted"))
    return errors


_STAGE_DDL = """
CREATE TEMPORARY TABLE erp_stage_revenueline (
    external_id varchar(64) NOT NULL,
    account_id bigint NOT NULL,
    category_id bigint NOT NULL,
    date date NOT NULL,
    amount numeric(16, 2) NOT NULL,
    currency varchar(3) NOT NULL,
    amount_base numeric(18, 2) NOT NULL,
    cost numeric(16, 2),
    cost_base numeric(18, 2),
    quantity numeric(16, 4),
    distributor_id bigint,
    contract_id bigint
) ON COMMIT DROP
"""
_SET_EXCLUDED = ", ".join(f"{c} = EXCLUDED.{c}" for c in LINE_COLUMNS[1:])
_MERGE_SQL = f"""
WITH written AS (
    INSERT INTO reports_revenueline AS t ({", ".join(LINE_COLUMNS)}, created_at, updated_at)
    SELECT s.*, %(now)s, %(now)s FROM erp_stage_revenueline AS s
    LEFT JOIN reports_revenueline AS cur ON cur.external_id = s.external_id
    WHERE cur.id IS NULL
       OR ({", ".join("cur." + c for c in LINE_COLUMNS[1:])})
          IS DISTINCT FROM ({", ".join("s." + c for c in LINE_COLUMNS[1:])})
    ORDER BY s.external_id
    ON CONFLICT (external_id) DO UPDATE
    SET {_SET_EXCLUDED}, updated_at = EXCLUDED.updated_at
    WHERE ({", ".join("t." + c for c in LINE_COLUMNS[1:])})
          IS DISTINCT FROM ({", ".join("EXCLUDED." + c for c in LINE_COLUMNS[1:])})
    RETURNING (t.xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
"""


def _lines_merge_postgres(rows: list[tuple]) -> tuple[int, int]:
    """Read the stored versions of the batch's lines in one query, then
    - COPY the new lines straight into the table (PostgreSQL's fastest insert path);
    - merge only the changed ones through staging and `ON CONFLICT … DO UPDATE … WHERE
      (row) IS DISTINCT FROM (excluded)`;
    - leave equal lines alone (no write, no lock, no `updated_at` churn).
    Races with a concurrent batch stay correct: a line it inserted after our read makes the
    COPY fail with a unique violation, which the caller retries (the line is then "stored");
    a line it deleted is re-inserted by the ON CONFLICT merge. Both inserts go in key order,
    so overlapping batches lock in the same order and rarely deadlock (retried as well)."""
    condition, param = any_keys([row[0] for row in rows])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(LINE_COLUMNS)} FROM reports_revenueline "
            f"WHERE external_id = {condition}",
            [param],
        )
        stored = {row[0]: row[1:] for row in cursor.fetchall()}
    new: list[tuple] = []
    changed: list[tuple] = []
    for row in rows:
        old = stored.get(row[0])
        if old is None:
            new.append(row)
        elif old != row[1:]:  # Decimal("1.5") == Decimal("1.50"): compared by value
            changed.append(row)
    created = updated = 0
    now = timezone.now()
    with connection.cursor() as cursor:
        if new:
            new.sort()
            columns = ", ".join((*LINE_COLUMNS, "created_at", "updated_at"))
            # The raw psycopg COPY: wrapped so a unique violation is Django's IntegrityError,
            # which the caller retries.
            copy_sql = f"COPY reports_revenueline ({columns}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                copy.write(_copy_text(new, f"\t{now.isoformat()}\t{now.isoformat()}"))
            created = len(new)
        if changed:
            created_late, updated = _merge_changed(cursor, changed, now)
            created += created_late
    return created, updated


_NULL = "\\N"


def _copy_text(rows: list[tuple], suffix: str) -> str:
    """Rows in COPY's text format. Formatting here costs a third of psycopg's `write_row`
    per row; only the external id can hold characters COPY must escape (the currency is
    [A-Z]{3}, the rest are numbers and dates)."""
    out = []
    for key, account, category, date, amount, currency, base, cost, cost_base, qty, dist, k in rows:
        if "\\" in key or "\t" in key or "\n" in key or "\r" in key:
            key = (
                key.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
            )
        out.append(
            f"{key}\t{account}\t{category}\t{date}\t{amount}\t{currency}\t{base}\t"
            f"{_NULL if cost is None else cost}\t{_NULL if cost_base is None else cost_base}\t"
            f"{_NULL if qty is None else qty}\t{_NULL if dist is None else dist}\t"
            f"{_NULL if k is None else k}{suffix}\n"
        )
    return "".join(out)


def _merge_changed(cursor: CursorWrapper, rows: list[tuple], now: dt.datetime) -> tuple[int, int]:
    # ON COMMIT DROP cleans up after a request; when an outer transaction (a test, a
    # management command) wraps several batches, the previous staging table is still there.
    cursor.execute("DROP TABLE IF EXISTS pg_temp.erp_stage_revenueline")
    cursor.execute(_STAGE_DDL)
    copy_sql = f"COPY erp_stage_revenueline ({', '.join(LINE_COLUMNS)}) FROM STDIN"
    with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
        copy.write(_copy_text(rows, ""))
    # A batch is at most 10 000 rows against a table of millions: look each row up by its
    # unique index. With statistics on the staging table the planner may prefer a merge
    # join that walks the whole external_id index from its start — per batch.
    cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
    cursor.execute(_MERGE_SQL, {"now": now})
    created, updated = cursor.fetchone()
    cursor.execute("RESET enable_hashjoin; RESET enable_mergejoin")
    return created, updated


def _lines_merge_orm(rows: list[tuple]) -> tuple[int, int]:
    existing = objects_by_key(RevenueLine.objects.all(), "external_id", [r[0] for r in rows])
    desired = [(r[0], dict(zip(LINE_COLUMNS, r, strict=True))) for r in rows]
    created, changed, _same = _write_diff(RevenueLine, desired, existing, now=timezone.now())
    return len(created), len(changed)


def revenue_lines_delete(
    *, parsed: list[str], user: User, errors: list[ItemError]
) -> dict[str, int]:
    """Delete the lines of these external ids (cancelled invoices); unknown ids count as
    not_found."""
    external_ids = parsed
    reject_if_any(errors)
    deleted = 0
    for chunk in _chunks(external_ids):
        deleted += RevenueLine.objects.filter(external_id__in=chunk).delete()[0]
    return {"deleted": deleted, "not_found": len(external_ids) - deleted}
