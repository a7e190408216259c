"""The local demo's database: an embedded PostgreSQL under var/ (the pgserver wheel's binaries), no system install.

`python -m helpline.demo` starts it (initialising it the first time), creates the portal's database and writes
`var/demo.env`, which `manage.py` reads when present, so every documented command works after `make run` as
typed. The server listens on a Unix socket in its data folder only (no TCP port) and keeps running after the
command ends; `python -m helpline.demo stop` stops it. The demo runs the same database engine as production:
the reports' SQL is PostgreSQL's, and there is no second code path for another engine.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

DEMO_ENV = "demo.env"
DATABASE = "helpline"


def var_dir() -> Path:
    return Path(os.environ.get("VAR_DIR") or Path(__file__).resolve().parent.parent / "var")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments ignored. A malformed line is an error naming it."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip().isidentifier():
            raise SystemExit(f"{path}:{number}: expected NAME=value, got {line!r}")
        values[name.strip()] = value.strip()
    return values


def load_demo_env() -> None:
    """Apply var/demo.env to this process where the environment does not already say otherwise."""
    path = var_dir() / DEMO_ENV
    if not path.exists():
        return
    values = read_env_file(path)
    for name, value in values.items():
        os.environ.setdefault(name, value)
    pgdata = values.get("DEMO_POSTGRES_DIR")
    if pgdata and os.environ.get("DATABASE_URL") == values.get("DATABASE_URL") and not postgres_running(Path(pgdata)):
        start_postgres(Path(pgdata))  # after a reboot the server is down; this brings it back (about 2 s)


def postgres_running(pgdata: Path) -> bool:
    """Whether the demo's server is up, read from its postmaster.pid without asking pgserver.

    pgserver keeps a JSON list of its client processes in the data folder and rewrites it, unlocked, on every
    get_server(); two commands at once (runserver's reloader and a `manage.py createpartner` typed beside it) then
    read it half-written. A command only needs pgserver when the server is down.
    """
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def start_postgres(pgdata: Path):
    # pgserver reports each start and exit at INFO, and platformdirs warns without XDG_RUNTIME_DIR (as soon as
    # pgserver is imported): noise here, since the server's socket lives in its data folder anyway.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    import pgserver  # the demo's dependency only; production never imports this module

    logging.getLogger("pgserver").setLevel(logging.WARNING)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so runserver and later commands share it.
    return pgserver.get_server(pgdata, cleanup_mode=None)


def database_url(socket_dir: Path) -> str:
    # An absolute path after the host part names the socket folder: postgres://user@//run/dir/dbname.
    return f"postgres://postgres@/{socket_dir}/{DATABASE}"


def setup() -> str:
    """Start the server, create the database if needed, write var/demo.env; return the database URL."""
    folder = var_dir()
    pgdata = folder / "postgres"
    server = start_postgres(pgdata)
    socket_dir = server.get_postmaster_info().socket_dir
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    url = database_url(socket_dir)
    (folder / DEMO_ENV).write_text(
        "# Written by `python -m helpline.demo` (make run): the local demo's settings, read by manage.py.\n"
        "# Delete this file (and var/postgres) to start afresh; variables set in the environment win.\n"
        "DEBUG=true\n"
        f"DATABASE_URL={url}\n"
        f"DEMO_POSTGRES_DIR={pgdata}\n",
        encoding="utf-8",
    )
    return url


def stop() -> None:
    pgdata = var_dir() / "postgres"
    if (pgdata / "postmaster.pid").exists():
        import subprocess

        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")  # see start_postgres
        from pgserver._commands import POSTGRES_BIN_PATH

        owner = pgdata.owner()
        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w", "stop"]
        if os.geteuid() == 0 and owner != "root":  # pgserver runs the server as its own user when started by root
            command = ["su", owner, "-s", "/bin/sh", "-c", " ".join(command)]
        subprocess.run(command, check=True)


def main(argv: list[str]) -> None:
    action = argv[0] if argv else "setup"
    if action == "setup":
        url = setup()
        print(f"PostgreSQL {DATABASE!r} is running on a Unix socket under {var_dir() / 'postgres'} ({url})")
    elif action == "stop":
        stop()
        print("The demo's PostgreSQL is stopped.")
    else:
        raise SystemExit("usage: python -m helpline.demo [setup|stop]")


if __name__ == "__main__":
    main(sys.argv[1:])
