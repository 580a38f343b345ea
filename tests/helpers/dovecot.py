"""A real IMAP server on loopback for a test: Debian's Dovecot (dovecot-imapd), started
with a configuration of its own in a temporary folder, on free ports, plain IMAP and
IMAPS (a self-signed certificate the test can trust through SSL_CERT_FILE), one user
whose mail is a Maildir. The system's Dovecot service, if any, is not touched."""

import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.helpers.servers import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def available() -> bool:
    return os.path.exists(DOVECOT) and os.geteuid() == 0


class Dovecot:
    user = "unsubscribe"
    password = "imap-test-password"  # noqa: S105 - a throwaway test account

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        self.root.chmod(0o755)
        owner = pwd.getpwnam("nobody")
        home = self.root / "home" / self.user
        home.mkdir(parents=True)
        os.chown(home, owner.pw_uid, owner.pw_gid)
        self.cert, self.key = self.root / "cert.pem", self.root / "key.pem"
        subprocess.run(  # noqa: S603
            [
                shutil.which("openssl") or "/usr/bin/openssl",
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", str(self.key), "-out", str(self.cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        self.port, self.ssl_port = free_port(), free_port()
        self.log = self.root / "dovecot.log"
        config = self.root / "dovecot.conf"
        config.write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log}
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {owner.pw_uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={owner.pw_uid} gid={owner.pw_gid} home={self.root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.ssl_port}
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
        self.process = subprocess.Popen(  # noqa: S603
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait()

    def _wait(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stderr.read().decode()}")
            try:
                with imaplib.IMAP4("127.0.0.1", self.port, timeout=2) as imap:
                    imap.login(self.user, self.password)
                    return
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.2)
        raise RuntimeError("dovecot did not answer")

    def url(self, *, secure: bool = False, folder: str = "INBOX") -> str:
        scheme, port = ("imaps", self.ssl_port) if secure else ("imap", self.port)
        return f"{scheme}://{self.user}:{self.password}@127.0.0.1:{port}/{folder}"

    def append(self, message: bytes, flags: str = "") -> None:
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=10) as imap:
            imap.login(self.user, self.password)
            status, _ = imap.append("INBOX", flags or None, None, message)
            assert status == "OK"

    def flags(self) -> list[str]:
        """Each INBOX message's flags, in order."""
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=10) as imap:
            imap.login(self.user, self.password)
            imap.select("INBOX", readonly=True)
            status, data = imap.fetch("1:*", "(FLAGS)")
            return [line.decode() for line in data if isinstance(line, bytes)]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
