"""Services the fault tests break on purpose: a Redis server of their own (never the shared one), a TCP proxy in
front of PostgreSQL that can cut the line (even in the middle of a transaction), and a gunicorn portal."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.services import ROOT, free_port, wait_for


class RedisServer:
    """`redis-server` on a free loopback port, without persistence: stopping it loses what it held, as a crash would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: self._ping(client), timeout=15, what="the test's redis-server to answer")

    @staticmethod
    def _ping(client) -> bool:
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def kill(self) -> None:
        """Stop it dead (SIGKILL): connections drop, queued messages are gone."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def is_up(self) -> bool:
        return self._ping(redis.Redis(port=self.port, socket_connect_timeout=0.5))


@contextmanager
def redis_server():
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.kill()


class CuttableProxy:
    """A TCP proxy to PostgreSQL. `cut()` drops every connection and refuses new ones (the database is gone for the
    portal); `restore()` brings it back. `cut_on(marker)` cuts the line just before a client message containing
    `marker` would reach the server, e.g. the second INSERT of a transaction, so the first one is left uncommitted."""

    def __init__(self, target_port: int = 5432) -> None:
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.cut_done = threading.Event()
        self._marker: bytes | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_on(self, marker: bytes) -> None:
        self.cut_done.clear()
        self._marker = marker

    def cut(self) -> None:
        self.down.set()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            for sock in (client, server):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
        self.cut_done.set()

    def restore(self) -> None:
        self._marker = None
        self.down.clear()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        try:
            while not self.down.is_set():
                for key, _ in selector.select(timeout=0.5):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    if key.fileobj is client and self._marker and self._marker in data:
                        self.cut()  # the server never sees this message
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            for sock in (client, server):
                try:
                    sock.close()
                except OSError:
                    pass


class Portal:
    """The portal under gunicorn (as docker-compose runs it), in a process of its own with the given environment."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "helpline.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._listening, timeout=60, what="gunicorn to listen")

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.process.returncode}; see {self.log.name}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


def wait_until(predicate, timeout: float) -> float:
    """Seconds it took for predicate to hold (fails after timeout)."""
    started = time.monotonic()
    wait_for(predicate, timeout=timeout, interval=0.25)
    return time.monotonic() - started
