"""Small query helpers for hot paths (checkout, basket)."""

from __future__ import annotations

from types import SimpleNamespace


def one_row(queryset):
    """The row of a queryset filtered on a unique key, or None: `.first()` without its ORDER BY.

    `.first()` orders by the primary key, and compiling any ORDER BY makes Django hash every
    selected column to find it in the SELECT list (the whole width of a select_related: ~100
    columns for a basket line with its listing, merchant and product). A unique key needs no order.
    """
    return next(iter(queryset.order_by()[:1]), None)


class CompiledRead:
    """A read whose SQL never changes shape, compiled once per process: each call binds new values.

    Django compiles a queryset again on every execution, and for a wide select_related that is
    most of its cost (~1 ms for a basket line with its listing, merchant, product, class and slot,
    against ~0.1 ms to run it and build the objects). ``build(*values)`` returns the queryset;
    its SQL parameters must be exactly ``values``, in order (checked on the first call), so a
    call only runs the same SQL with other values and builds the same model instances, with
    what select_related joined, as ``list(build(*values))`` would. Values of another type than
    the first call's go through the ORM as usual (it converts them). No prefetch_related, no
    related manager's queryset (it sets the parent on each row), no IN list of varying length.
    """

    def __init__(self, build):
        self._build = build
        self._compiled: dict[str, tuple] = {}

    def rows(self, *values) -> list:
        from django.db import DEFAULT_DB_ALIAS, connections
        from django.db.transaction import TransactionManagementError

        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._compiled.get(connection.vendor) or self._compile(values, connection.vendor)
        sql, types, compiler, model, init, start, end, populators, converters = compiled
        if tuple(type(value) for value in values) != types:
            return list(self._build(*values))
        if compiler.query.select_for_update and not connection.in_atomic_block:
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        with prepared_cursor() as cursor:
            cursor.execute(sql, values)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        objects = []
        for row in rows:
            obj = model.from_db(DEFAULT_DB_ALIAS, init, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def one(self, *values):
        """Its first row, or None (a read by a unique key, or sliced to one row)."""
        return next(iter(self.rows(*values)), None)

    def _compile(self, values, vendor: str) -> tuple:
        from django.db.models.query import ModelIterable, get_related_populators

        queryset = self._build(*values)
        if queryset._prefetch_related_lookups or queryset._known_related_objects or queryset._iterable_class is not ModelIterable:
            raise ValueError("CompiledRead: a plain model queryset only (no prefetch, related manager or values())")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        if tuple(params) != tuple(values):
            raise ValueError(f"CompiledRead: the SQL's parameters {params!r} are not the values {values!r}")
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init = [column[0].target.attname for column in select[start:end]]
        converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        compiled = (sql, tuple(type(value) for value in values), compiler, klass_info["model"], init, start, end,
                    get_related_populators(klass_info, select, queryset.db), converters)
        self._compiled[vendor] = compiled
        return compiled


_PREPARED = None
NEVER_BY_COUNT = 2**31  # psycopg prepares a statement run this often; Django's client-side cursors never do


def prepared_cursor():
    """A cursor for a hot statement of a fixed text: PostgreSQL plans it once per connection.

    Django binds parameters on the client and never prepares (psycopg's prepare_threshold is
    None), so PostgreSQL parses and plans every statement again: for the basket's 6-table read
    planning costs ~0.8 ms against 0.1 ms to run it. This cursor binds on the server and
    prepares each statement on its first use (psycopg keeps up to 100 per connection, and
    re-prepares after a reconnect; the connection's prepare_threshold, None in Django, is set
    so high that nothing else is prepared by count). Django's wrappers stay (query log, execute wrappers, the
    tests' statement counts). Not through a pooler in transaction mode (PgBouncer): prepared
    statements belong to a session. Any other database: Django's own cursor."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return connection.cursor()
    global _PREPARED
    if _PREPARED is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparedCursor(ServerBindingCursor):
            def execute(self, query, params=None, *, prepare=None, binary=None):
                result = super().execute(query, params, prepare=True, binary=binary)
                if self._query is None:  # psycopg keeps no text for a prepared run; Django's query log reads it
                    self._query = SimpleNamespace(query=query.encode(), params=params)
                return result

        _PREPARED = PreparedCursor
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:  # Django's: preparing off, even when asked
        connection.connection.prepare_threshold = NEVER_BY_COUNT  # only what asks (this cursor) is prepared
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_PREPARED(connection.connection))
