"""The database side of a backup: one snapshot for pg_dump and for what the manifest says
of it, whether a database is empty, and emptying one."""

import contextlib
from collections.abc import Iterator

from django.apps import apps
from django.db import connections, transaction

ALIAS = "default"

_USER_RELATIONS = """
    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
"""


def tables() -> dict[str, str]:
    """Every model's table (many-to-many tables included): label -> table name."""
    return {
        model._meta.label: model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


@contextlib.contextmanager
def snapshot() -> Iterator[str]:
    """A repeatable-read transaction, held open; yields its exported snapshot id, which
    pg_dump --snapshot reads from, so the dump and the counts describe the same moment."""
    with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        yield cursor.fetchone()[0]


def row_counts() -> dict[str, int]:
    connection = connections[ALIAS]
    existing = set(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for label, table in sorted(tables().items()):
            if table in existing:
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                counts[label] = cursor.fetchone()[0]
    return counts


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            applied.setdefault(app, []).append(name)
    return applied


def relation_count() -> int:
    """Tables, views and sequences outside PostgreSQL's own schemas."""
    with connections[ALIAS].cursor() as cursor:
        cursor.execute(_USER_RELATIONS)
        return cursor.fetchone()[0]


def empty_public_schema() -> None:
    """Drop everything in the public schema (what Django made there)."""
    with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    connections[ALIAS].close()


def describe() -> dict:
    connection = connections[ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {"name": connection.settings_dict["NAME"], "server_version": version}


def connection_name() -> str:
    return connections[ALIAS].settings_dict["NAME"]
