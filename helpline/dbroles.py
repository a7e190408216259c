"""The portal's database role: what it may do, granted by the owner role that runs the migrations.

Migrations run as the owner of the schema (it creates and alters tables); the portal (web, worker, beat) connects
as a role that owns nothing. PostgreSQL lets only a table's owner (or a superuser) ALTER it, DISABLE TRIGGER on it,
DROP it or grant on it, so the audit log's append-only trigger binds the portal. On top of that the portal role is
given SELECT and INSERT on the audit table only (no UPDATE, DELETE or TRUNCATE), and SELECT only on the migration
history. `manage.py db_grant_portal_role ROLE` runs this after every `migrate` (compose's migrate service does).
"""

from __future__ import annotations

from django.core import checks
from django.db import connections
from psycopg import sql

# Rows are added and read, never changed: the audit log.
APPEND_ONLY_TABLES = ("casework_auditrecord",)
# Read, never written, by the portal.
READ_ONLY_TABLES = ("django_migrations",)


class RoleError(Exception):
    """The role cannot be used as the portal's role; the message says why."""


def portal_role_grant(*, role: str, using: str = "default") -> list[str]:
    """Give `role` exactly the rights the portal needs on every table and sequence of the current schema; run as
    the owner after each migration (tables a migration adds are covered then). Returns the statements run."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RoleError("database roles are a PostgreSQL feature; this database is " + connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, pg_has_role(%s, current_user, 'MEMBER'), current_user = %s, "
            "current_schema() FROM pg_roles WHERE rolname = %s",
            [role, role, role],
        )
        row = cursor.fetchone()
        if row is None:
            raise RoleError(f"there is no database role {role!r}; create it first (see README, 'Database roles')")
        superuser, bypass_rls, member_of_owner, is_owner, schema = row
        if superuser or bypass_rls:
            raise RoleError(f"{role!r} is a superuser (or bypasses row security): it would be bound by nothing")
        if is_owner or member_of_owner:
            raise RoleError(f"{role!r} is (or acts as) the role running this command, the owner of the tables")
        name, schema_name = sql.Identifier(role), sql.Identifier(schema)
        statements = [
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_name, name),
            # From nothing each time, so a right given by hand or by an older version does not linger.
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema_name, name),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(schema_name, name),
            sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(schema_name, name),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema_name, name),
        ]
        for table in APPEND_ONLY_TABLES:
            statements.append(sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(table), name))
        for table in READ_ONLY_TABLES:
            statements.append(
                sql.SQL("REVOKE INSERT, UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(table), name)
            )
        done = []
        for statement in statements:
            text = statement.as_string(cursor.connection)
            cursor.execute(text)
            done.append(text)
    return done


@checks.register(checks.Tags.database, deploy=True)
def portal_role_check(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check --deploy --database default`, run as the portal: warn when the role it connects as could
    undo the audit log (a superuser, the audit table's owner, or a role with UPDATE or DELETE on it)."""
    problems = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, rolsuper, tableowner = current_user, "
                "has_table_privilege(tablename::regclass, 'UPDATE') OR has_table_privilege(tablename::regclass, "
                "'DELETE') OR has_table_privilege(tablename::regclass, 'TRUNCATE') "
                "FROM pg_roles, pg_tables WHERE rolname = current_user AND tablename = %s AND schemaname = "
                "current_schema()",
                [APPEND_ONLY_TABLES[0]],
            )
            row = cursor.fetchone()
        if row is None:
            continue  # not migrated yet
        role, superuser, owner, may_change = row
        if superuser or owner or may_change:
            why = "is a superuser" if superuser else "owns the audit table" if owner else "may change audit rows"
            problems.append(
                checks.Warning(
                    f"The portal connects to database {alias!r} as {role!r}, which {why}: it could change, delete or "
                    "unguard audit records.",
                    hint="Connect web, worker and beat as a role granted by `manage.py db_grant_portal_role` "
                    "(README, 'Database roles'); keep the owner role for migrations.",
                    id="helpline.W101",
                )
            )
    return problems
