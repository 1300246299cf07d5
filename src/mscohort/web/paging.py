"""Long lists of the web app (patients, safety schedules, screening) a page at a time:
filtered, sorted and cut on the server by DuckDB, so a registry of 300,000 patients never
sends a page of megabytes (issue #23).

A list's state travels in the query string, under the list's own prefix (``late_page=2``,
``late_sort=days_overdue``, ``late_desc=1``, ``late_q=P01``), so two lists on one page keep
their own pages and every page is a link that can be bookmarked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import duckdb
import polars as pl

#: Rows per page: small enough for a phone, large enough that a 60-patient study with two
#: arms (120 screening rows) is one page.
PAGE_SIZE = 200


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class ListPage:
    """One page of a list: its rows as text, where it is, and the links' query."""

    prefix: str
    columns: tuple[str, ...]
    rows: list[list[str]]
    page: int
    pages: int
    n_matching: int  #: rows after the filters
    n_total: int  #: rows of the whole list
    sort: str
    descending: bool
    filters: dict[str, str] = field(default_factory=dict)  #: column (or "q") -> value asked
    keep: dict[str, str] = field(default_factory=dict)  #: the rest of the query (other lists)
    headings: tuple[str, ...] = ()  #: each column's heading (the column's name when empty)

    def heading(self, column: str) -> str:
        """The heading printed over ``column``."""
        return self.headings[self.columns.index(column)] if self.headings else column

    @property
    def first_row(self) -> int:
        """1-based number of the page's first row (0 when the page is empty)."""
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    def query(self, **changes: object) -> dict[str, str]:
        """This list's query-string keys, with ``changes`` (page, sort, desc, q, ...)."""
        state: dict[str, object] = {"page": self.page, "sort": self.sort,
                                    "desc": int(self.descending), **self.filters}
        state.update(changes)
        return self.keep | {f"{self.prefix}_{k}": str(v) for k, v in state.items()
                            if v not in ("", None)}

    def sort_query(self, column: str) -> dict[str, str]:
        """The query of this list sorted by ``column`` (reversed when it is the sort now)."""
        desc = not self.descending if column == self.sort else False
        return self.query(sort=column, desc=int(desc), page=1)


def _order(sort: str, desc: bool, columns: tuple[str, ...]) -> str:
    """ORDER BY of a list: ``sort``, ties by ``patient_id``, then the list's own order (every
    page is the same on every visit), empty values last."""
    ties = ", patient_id" if "patient_id" in columns and sort != "patient_id" else ""
    return f"{_q(sort)} {'DESC' if desc else 'ASC'} NULLS LAST{ties}, _i"


class ListTable:
    """A list's rows held once in an in-memory DuckDB table, each with its rank ``_r`` in the
    list's default order, and the values each filter column offers.

    Kept with what it lists (the cached analysis, a store version's summary), a page of the
    default order is the rows ``_r`` in (offset, offset + PAGE_SIZE], which the table's
    min/max zone maps find without sorting; any other order or a filter sorts in DuckDB
    (top-N). Nothing is converted again per request (at 300,000 patients, converting the
    safety page's three lists took 0.6 s a request, issue #23). Safe to share between
    threads: each query runs on its own cursor.
    """

    def __init__(self, frame: pl.DataFrame, columns: tuple[str, ...], *, default_sort: str,
                 default_desc: bool = False, filter_columns: tuple[str, ...] = ()) -> None:
        if any(c not in frame.columns for c in columns) and frame.height == 0:
            frame = pl.DataFrame(schema=dict.fromkeys(columns, pl.String))  # an empty list
        self.columns = columns
        self.default_sort, self.default_desc = default_sort, default_desc
        self.filter_columns = filter_columns
        self.n_total = frame.height
        self.options = {c: sorted(str(v) for v in frame[c].unique().drop_nulls().to_list())
                        for c in filter_columns if c in frame.columns}
        self._con = duckdb.connect()
        self._con.register("_frame", frame.select(columns).with_row_index("_i").to_arrow())
        order = _order(default_sort, default_desc, columns)
        self._con.execute(f"CREATE TABLE _list AS SELECT *, row_number() OVER (ORDER BY "
                          f"{order}) AS _r FROM _frame ORDER BY _r")
        self._con.unregister("_frame")
        self._lock = threading.Lock()

    def close(self) -> None:
        """Free the table (a list made for one request)."""
        self._con.close()

    def page(self, where: list[str], params: list[str], sort: str, desc: bool,
             page_of: Callable[[int], int]) -> tuple[pl.DataFrame, int, int]:
        """(rows, page, rows matching) of the page ``page_of(pages)`` under the filters
        ``where`` (SQL over the list's columns, values as ``params``) in the order asked."""
        with self._lock:  # a cursor per query: waitress serves pages from several threads
            con = self._con.cursor()
        try:
            sql_where = f" WHERE {' AND '.join(where)}" if where else ""
            n_matching = self.n_total if not where else int(con.execute(
                f"SELECT count(*) FROM _list{sql_where}", params).fetchall()[0][0])
            page = page_of(max(1, -(-n_matching // PAGE_SIZE)))
            first = (page - 1) * PAGE_SIZE
            if not where and (sort, desc) == (self.default_sort, self.default_desc):
                sql = (f"SELECT * EXCLUDE (_i, _r) FROM _list WHERE _r > {first} AND "
                       f"_r <= {first + PAGE_SIZE} ORDER BY _r")
            else:
                sql = (f"SELECT * EXCLUDE (_i, _r) FROM _list{sql_where} ORDER BY "
                       f"{_order(sort, desc, self.columns)} LIMIT {PAGE_SIZE} OFFSET {first}")
            return con.sql(sql, params=params or None).pl(), page, n_matching
        finally:
            con.close()


def list_page(frame: pl.DataFrame | ListTable, columns: tuple[str, ...],
              args: Mapping[str, str], *, prefix: str, default_sort: str,
              default_desc: bool = False, filter_columns: tuple[str, ...] = (),
              text: Callable[[str, object], str] = lambda column, value: str(value),
              heading: Callable[[str], str] = str) -> ListPage:
    """The page of ``frame`` (its ``columns``) that the query ``args`` asks for.

    ``<prefix>_q`` keeps rows whose ``patient_id`` contains the text (case-insensitive);
    ``<prefix>_<column>`` for a column of ``filter_columns`` keeps rows equal to the value;
    ``<prefix>_sort`` (a column; anything else sorts by ``default_sort``) and
    ``<prefix>_desc`` order the rows, ties by ``patient_id``, empty values last;
    ``<prefix>_page`` is clamped to the pages there are. Values arrive as query parameters
    of DuckDB, column names only from ``columns``: nothing of the query becomes SQL text.
    ``text(column, value)`` prints a cell and ``heading(column)`` a column's heading.
    ``frame`` may be a :class:`ListTable` made once with the same columns, default order and
    filter columns (then nothing is converted for this request).
    """
    table = frame if isinstance(frame, ListTable) else ListTable(
        frame, columns, default_sort=default_sort, default_desc=default_desc,
        filter_columns=filter_columns)

    def arg(key: str) -> str:
        return str(args.get(f"{prefix}_{key}", "")).strip()

    def page_of(pages: int) -> int:
        try:
            return min(max(1, int(arg("page") or "1")), pages)
        except ValueError:
            return 1

    sort = arg("sort") if arg("sort") in columns else default_sort
    desc = arg("desc") == "1" if arg("sort") in columns else default_desc
    filters = {"q": arg("q")} if arg("q") else {}
    filters |= {c: arg(c) for c in filter_columns if arg(c)}
    where, params = [], []
    for key, value in filters.items():
        if key == "q":
            where.append("contains(lower(CAST(patient_id AS VARCHAR)), lower(?))")
        else:
            where.append(f"CAST({_q(key)} AS VARCHAR) = ?")
        params.append(value)
    try:
        part, page, n_matching = table.page(where, params, sort, desc, page_of)
    finally:
        if table is not frame:
            table.close()
    pages = max(1, -(-n_matching // PAGE_SIZE))
    rows = [[text(c, v) for c, v in zip(columns, r, strict=True)] for r in part.iter_rows()]
    keep = {k: str(v) for k, v in args.items() if not k.startswith(prefix + "_")}
    return ListPage(prefix, columns, rows, page, pages, n_matching, table.n_total, sort, desc,
                    filters, keep, tuple(heading(c) for c in columns))


__all__ = ["PAGE_SIZE", "ListPage", "ListTable", "list_page"]
