"""The portal's database role, set up as compose sets it up: the attack is the portal's own connection trying to
change, delete or hide audit records by any statement (the review did it with ALTER TABLE ... DISABLE TRIGGER as
table owner). A fresh database gets the roles from deploy/postgres-init/roles.psql (run by psql, as the postgres
image runs it), is migrated as the owner role, granted with `db_grant_portal_role`, and then used as the portal
role: the portal's own work succeeds, every attack is refused, and the audit rows are unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings

from tests.services import ROOT

pytestmark = pytest.mark.services

PORTAL_WORK = """
import django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from cases.casework.audit import Origin, audit_record
from cases.casework.models import AuditRecord
from cases.models import Case
from cases.services import case_erase
case = Case.objects.create(pin_hash="!", contact_name="Wilhelmina Roe", description="what happened")
audit_record(action=AuditRecord.Action.CASE_VIEW_PII, actor=None, origin=Origin.system(), case=case, shown=["name"])
case_erase(case=case)
session = SessionStore(); session["k"] = "v"; session.save()
cache.set("portal-role-check", 1, 60); assert cache.get("portal-role-check") == 1
print("portal work done", AuditRecord.objects.count())
"""

ATTACKS = {
    "UPDATE casework_auditrecord SET action = 'other'": "permission denied for table casework_auditrecord",
    "DELETE FROM casework_auditrecord": "permission denied for table casework_auditrecord",
    "TRUNCATE casework_auditrecord": "permission denied for table casework_auditrecord",
    "ALTER TABLE casework_auditrecord DISABLE TRIGGER casework_auditrecord_append_only": "must be owner",
    "ALTER TABLE casework_auditrecord DISABLE TRIGGER ALL": "must be owner",
    "DROP TRIGGER casework_auditrecord_append_only ON casework_auditrecord": "must be owner",
    "DROP TABLE casework_auditrecord": "must be owner",
    "ALTER TABLE casework_auditrecord RENAME TO old_audit": "must be owner",
    "CREATE OR REPLACE FUNCTION casework_auditrecord_refuse_change() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN RETURN OLD; END; $$": "permission denied for schema public",
    "SET session_replication_role = replica": "permission denied to set parameter",
    "CREATE TABLE casework_auditrecord_copy (id int)": "permission denied for schema public",
    "DELETE FROM django_migrations": "permission denied for table django_migrations",
}


def _server() -> dict:
    db = settings.DATABASES["default"]
    return {"host": db.get("HOST") or "127.0.0.1", "port": int(db.get("PORT") or 5432), "user": db.get("USER")}


def _url(server: dict, user: str, dbname: str) -> str:
    return f"postgres://{user}:x@{server['host']}:{server['port']}/{dbname}"


def _manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": ""}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def fresh_database():
    """A new database and two new roles, named for this run (roles are shared by the whole server)."""
    server = _server()
    suffix = uuid.uuid4().hex[:10]
    names = {
        "dbname": f"helpline_roles_{suffix}",
        "owner": f"helpline_owner_{suffix}",
        "portal": f"helpline_portal_{suffix}",
    }
    with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{names["dbname"]}"')
    try:
        yield server, names
    finally:
        with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{names["dbname"]}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{names["portal"]}"')
            admin.execute(f'DROP ROLE IF EXISTS "{names["owner"]}"')


def test_the_portal_role_cannot_change_delete_or_unguard_audit_rows_by_any_statement(fresh_database):
    server, names = fresh_database
    dbname, owner, portal = names["dbname"], names["owner"], names["portal"]
    # The roles, as the postgres container's init script makes them (same file, same psql).
    init = subprocess.run(
        [
            "psql", "-h", server["host"], "-p", str(server["port"]), "-U", server["user"], "-d", dbname, "--no-psqlrc",
            "-v", f"dbname={dbname}", "-v", f"owner_role={owner}", "-v", "owner_password=owner-pw",
            "-v", f"portal_role={portal}", "-v", "portal_password=portal-pw",
            "-f", str(ROOT / "deploy/postgres-init/roles.psql"),
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    # Migrations and grants as the owner, as compose's migrate service runs them.
    owner_url = _url(server, owner, dbname)
    for command in (["migrate", "--noinput"], ["createcachetable"], ["db_grant_portal_role", portal]):
        result = _manage("manage.py", *command, database_url=owner_url)
        assert result.returncode == 0, result.stdout + result.stderr
    # The portal's own work (a case, an audit record, erasure, a session, the cache) runs as the portal role.
    work = _manage("-c", PORTAL_WORK, database_url=_url(server, portal, dbname))
    assert work.returncode == 0, work.stdout + work.stderr
    assert "portal work done 2" in work.stdout  # the view record and casework's erasure record

    def audit_rows():
        with psycopg.connect(**server, dbname=dbname) as admin:
            return admin.execute("SELECT * FROM casework_auditrecord ORDER BY id").fetchall()

    before = audit_rows()
    assert len(before) == 2
    with psycopg.connect(**{**server, "user": portal}, dbname=dbname, autocommit=True) as connection:
        assert connection.execute("SELECT current_user, count(*) FROM casework_auditrecord").fetchone() == (portal, 2)
        for statement, refusal in ATTACKS.items():
            with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
                connection.execute(statement)
                pytest.fail(f"the portal role ran: {statement}")
            assert refusal in str(refused.value), (statement, str(refused.value))
        # Granting itself more is not an error in PostgreSQL, only a warning that nothing was granted.
        connection.execute("GRANT UPDATE, DELETE, TRUNCATE ON casework_auditrecord TO PUBLIC")
        granted = connection.execute(
            "SELECT has_table_privilege(current_user, 'casework_auditrecord', 'UPDATE'), "
            "has_table_privilege(current_user, 'casework_auditrecord', 'DELETE'), "
            "has_table_privilege(current_user, 'casework_auditrecord', 'TRUNCATE'), "
            "has_table_privilege(current_user, 'casework_auditrecord', 'INSERT')"
        ).fetchone()
        assert granted == (False, False, False, True)
    assert audit_rows() == before
    with psycopg.connect(**server, dbname=dbname) as admin:
        owner_of, trigger_enabled = admin.execute(
            "SELECT tableowner, (SELECT tgenabled FROM pg_trigger WHERE tgname = 'casework_auditrecord_append_only') "
            "FROM pg_tables WHERE tablename = 'casework_auditrecord'"
        ).fetchone()
    assert (owner_of, trigger_enabled) == (owner, "O")
    # The deploy check tells which role is which.
    check = ["manage.py", "check", "--deploy", "--database", "default"]
    as_portal = _manage(*check, database_url=_url(server, portal, dbname))
    as_owner = _manage(*check, database_url=owner_url)
    assert "helpline.W101" not in as_portal.stdout + as_portal.stderr
    assert f"as '{owner}', which owns the audit table" in as_owner.stdout + as_owner.stderr


def test_the_grant_command_refuses_a_superuser_or_the_owner_itself_as_the_portal_role(fresh_database):
    server, names = fresh_database
    url = _url(server, server["user"], names["dbname"])
    result = _manage("manage.py", "db_grant_portal_role", server["user"], database_url=url)
    assert result.returncode != 0 and "superuser" in result.stderr
    result = _manage("manage.py", "db_grant_portal_role", "no_such_role_here", database_url=url)
    assert result.returncode != 0 and "there is no database role" in result.stderr
