"""A small SMTP server on a free local port, in a thread, that records what it is told and
whether each line came over TLS: enough of the protocol for smtplib's client."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, for the stub; clients trust it as their CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp stub")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "stub.crt", folder / "stub.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class SmtpStub:
    cert: Path
    key: Path
    offer_starttls: bool = True
    implicit: bool = False
    lines: list[tuple[bool, str]] = field(default_factory=list)  # (over TLS, line)
    messages: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server.load_cert_chain(self.cert, self.key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = int(self.sock.getsockname()[1])
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def close(self) -> None:
        # close() alone does not wake a thread blocked in accept(); shutdown() does (Linux).
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=5)

    def said(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            opened: list[Any] = [conn]
            try:
                self._session(conn, opened)
            except (OSError, ssl.SSLError):
                pass
            finally:
                for thing in reversed(opened):
                    thing.close()

    def _session(self, conn: Any, opened: list[Any]) -> None:
        """One client's conversation; every socket and file it opens goes into `opened`."""
        tls = False
        if self.implicit:
            conn, tls = self.server.wrap_socket(conn, server_side=True), True
            opened.append(conn)
        reader = conn.makefile("rb")
        opened.append(reader)
        conn.sendall(b"220 stub ESMTP\r\n")
        while True:
            raw = reader.readline()
            if not raw:
                return
            line = raw.decode(errors="replace").rstrip("\r\n")
            self.lines.append((tls, line))
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                extras = ["AUTH PLAIN"]
                if self.offer_starttls and not tls:
                    extras.append("STARTTLS")
                reply = "".join(f"250-{e}\r\n" for e in ["stub", *extras[:-1]])
                conn.sendall((reply + f"250 {extras[-1]}\r\n").encode())
            elif verb == "STARTTLS" and self.offer_starttls and not tls:
                conn.sendall(b"220 go ahead\r\n")
                conn, tls = self.server.wrap_socket(conn, server_side=True), True
                reader = conn.makefile("rb")
                opened += [conn, reader]
            elif verb == "AUTH":
                conn.sendall(b"235 authenticated\r\n")
            elif verb == "DATA":
                conn.sendall(b"354 go on\r\n")
                body = b""
                while (chunk := reader.readline()) not in (b".\r\n", b""):
                    body += chunk
                self.messages.append(body)
                conn.sendall(b"250 queued\r\n")
            elif verb == "QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                conn.sendall(b"250 ok\r\n")
            else:
                conn.sendall(b"502 not here\r\n")
