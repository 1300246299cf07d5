"""Bulk inserts that the store's checkpoint keeps as written (issue #23).

DuckDB stores a table in row groups of 122,880 rows. A bulk ``INSERT`` inside a
transaction writes its row groups into the file at once (optimistic writes), and the
checkpoint when the store is closed makes them part of the table. Run on several threads,
an insert from Parquet files splits each file's row groups at 122,880 rows and leaves the
rest as a small row group (a derived part of 278,815 rows became 122,880 + 16,528 + ... :
60 row groups for the 4.19M rows of ``derived_edss`` at 300,000 patients, half of them
small); the checkpoint then merges the small row groups with their neighbours (DuckDB's
vacuum), which rewrites and recompresses nearly every row it has just written. Measured on
a 300,000-patient store: 5.4 s of CPU to close the store after an import of 3 patients
(which recomputes ``derived_edss``), the file growing from 306 to 413 MB, against 0.1 s
and no growth when the same insert ran on one thread, whose row groups are full and in
order (the insert itself costs the same CPU either way: 4.9 to 5.5 s).
``benchmarks/bench_store_close.py`` measures it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb


@contextlib.contextmanager
def whole_row_groups(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the statements inside on one DuckDB thread, so that a bulk insert fills each
    row group before the next (same rows, same order) and the checkpoint writes nothing
    again.

    ``threads`` is a setting of the database, not of the connection: while inside, other
    connections to the same file in this process run on one thread too (a store opened to
    write is the only one open: the web app's pages wait for an import). The previous
    number is set back on the way out; when a failed statement has aborted the caller's
    transaction DuckDB accepts no statement before its ``ROLLBACK``, and the setting stays
    until the connection is closed (the store is closed after a failed write)."""
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.TransactionException):
            con.execute(f"SET threads = {int(threads)}")


__all__ = ["whole_row_groups"]
