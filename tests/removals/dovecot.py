"""A real IMAP server for the reply tests: Dovecot (Debian's dovecot-imapd) in a temporary folder, IMAPS only,
on a free loopback port, with a test certificate made here and one password-file user."""

from __future__ import annotations

import datetime
import grp
import imaplib
import ipaddress
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.services import wait_for

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    ca_file: str
    root: Path
    pid: int

    @property
    def url(self) -> str:
        return f"imaps://{self.user}:{self.password}@{self.host}:{self.port}/INBOX"

    def deliver(self, raw: bytes) -> None:
        """Put a message in the mailbox as a mail server would: appended over IMAPS, unseen."""
        context = ssl.create_default_context(cafile=self.ca_file)
        with imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=10) as imap:
            imap.login(self.user, self.password)
            status, _ = imap.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK"

    def unseen(self) -> int:
        context = ssl.create_default_context(cafile=self.ca_file)
        with imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=10) as imap:
            imap.login(self.user, self.password)
            imap.select("INBOX")
            _, data = imap.search(None, "UNSEEN")
            return len((data[0] or b"").split())


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dovecot() -> ImapServer:
    root = Path(tempfile.mkdtemp(prefix="helpline-dovecot-"))
    root.chmod(0o755)
    # The mailbox belongs to an unprivileged system user; Dovecot's own processes use its internal users.
    mail_user = pwd.getpwnam("dovecot")
    mail_group = grp.getgrgid(mail_user.pw_gid)
    home = root / "home"
    home.mkdir()
    os.chown(home, mail_user.pw_uid, mail_user.pw_gid)
    cert, key = _certificate(root)
    user, password = "replies", "test-password-" + os.urandom(6).hex()
    (root / "users").write_text(f"{user}:{{PLAIN}}{password}::::::\n")
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
first_valid_uid = {mail_user.pw_uid}
first_valid_gid = {mail_group.gr_gid}
mail_location = maildir:{home}/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_group.gr_gid} home={home}/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
    )
    # Dovecot daemonizes: it must not keep the test runner's output pipes open.
    subprocess.run(
        [DOVECOT, "-c", str(config)], check=True, timeout=30,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(lambda: _listening(port), timeout=20, interval=0.05, what=f"Dovecot to listen on {port}")
    except AssertionError:
        log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
        raise RuntimeError(f"Dovecot did not listen on {port}: {log[-2000:]}") from None
    pid = int((root / "run" / "master.pid").read_text().strip())
    return ImapServer("127.0.0.1", port, user, password, str(cert), root, pid)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def stop_dovecot(server: ImapServer) -> None:
    config = server.root / "dovecot.conf"
    subprocess.run([DOVECOT, "-c", str(config), "stop"], timeout=30, check=False, stdout=subprocess.DEVNULL)
    shutil.rmtree(server.root, ignore_errors=True)
