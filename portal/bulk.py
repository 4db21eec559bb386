"""Fast bulk loading for large seed data: PostgreSQL COPY, plain executemany elsewhere.

Rows are tuples of database values in `columns` order (no model instances, no per-row saves).
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.db import connection

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).translate(_ESCAPES)


def copy_rows(model, columns: Sequence[str], rows: Iterable[tuple], *, chunk: int = 50_000) -> int:
    """Insert rows into model's table; returns the number inserted."""
    table = model._meta.db_table
    total = 0
    buffer: list[tuple] = []

    def flush():
        nonlocal total, buffer
        if not buffer:
            return
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                out = io.StringIO("".join("\t".join(_text(v) for v in row) + "\n" for row in buffer))
                cols = ", ".join(f'"{c}"' for c in columns)
                cur.cursor.copy_expert(f'COPY "{table}" ({cols}) FROM STDIN WITH (FORMAT text)', out)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cols = ", ".join(f'"{c}"' for c in columns)
                cur.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', buffer)
        total += len(buffer)
        buffer = []

    for row in rows:
        buffer.append(row)
        if len(buffer) >= chunk:
            flush()
    flush()
    return total
