"""Query expressions whose SQL does not grow with the data they carry.

A set of ids or a map id -> number computed in Python (e.g. the merchants a delivery circle
reaches, and their distances) used to go into SQL as ``IN (%s, %s, ...)`` and a ``CASE WHEN id =
%s THEN %s ...`` with one branch per merchant: up to 10,000 branches, 30,000 parameters, a
statement PostgreSQL has to parse and plan afresh for every search. These pass the whole set as
ONE parameter and unpack it in the database (a PostgreSQL array or ``jsonb``, SQLite
``json_each`` / ``json_extract``), so the statement's text and its parameter count stay the same whatever the
number of ids.
"""

from __future__ import annotations

import json

from django.db.models import Expression, F, FloatField, ForeignObject, Lookup


@ForeignObject.register_lookup
class AnyId(Lookup):
    """``merchant__any_id=[...]``: the row's id is one of the ids, which go as ONE parameter: an
    array on PostgreSQL (``= ANY(%s)``), a JSON array elsewhere (``IN (SELECT value FROM
    json_each(%s))``). Registered on every foreign key when this module is imported."""

    lookup_name = "any_id"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [int(value) for value in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, ids]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(ids)]


class ValueById(Expression):
    """The number a Python map gives the row's ``field`` (an id), ``default`` when absent: a
    bounded replacement of ``Case(*[When(field=pk, then=value) ...], default=default)``."""

    output_field = FloatField()

    def __init__(self, field: str, values: dict, *, default: float = 0.0):
        super().__init__()
        self.key = F(field)
        self.values = json.dumps({str(int(pk)): float(value) for pk, value in values.items()})
        self.default = float(default)

    def get_source_expressions(self):
        return [self.key]

    def set_source_expressions(self, exprs):
        (self.key,) = exprs

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.key)
        if connection.vendor == "postgresql":
            sql = f"COALESCE((%s::jsonb ->> ({column})::text)::double precision, %s)"
        else:
            sql = f"COALESCE(json_extract(%s, '$.\"' || ({column}) || '\"'), %s)"
        return sql, (self.values, *params, self.default)
