"""The SMTP login never goes in clear: STARTTLS by default, implicit TLS on request, and a
plain connection only without a login. Against a real (local) SMTP server."""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from registry.notices import service as notices
from tests.renewals.smtp_stub import SmtpStub, self_signed

PASSWORD = "smtp-secret-9f2"


@pytest.fixture
def cert(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path)


StubFactory = Callable[..., SmtpStub]


@pytest.fixture
def stub_factory(cert: tuple[Path, Path]) -> Iterator[StubFactory]:
    made: list[SmtpStub] = []

    def make(**kw: Any) -> SmtpStub:
        stub = SmtpStub(*cert, **kw)
        made.append(stub)
        return stub

    yield make
    for stub in made:
        stub.close()


def config(stub: SmtpStub, **env: str) -> notices.SmtpConfig:
    parsed = notices.SmtpConfig.from_env(
        {
            "REGISTRY_SMTP_HOST": "127.0.0.1",
            "REGISTRY_SMTP_PORT": str(stub.port),
            "REGISTRY_SMTP_USER": "cit",
            "REGISTRY_SMTP_PASSWORD": PASSWORD,
            **env,
        }
    )
    assert parsed is not None
    return parsed


def message() -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "cit@utah.test", "jo@police.test", "Expiring"
    m.set_content("Your CIT certification expires soon.")
    return m


def send(stub: SmtpStub, cfg: notices.SmtpConfig) -> None:
    sender = notices.SmtpSender(cfg, timeout=10, context=stub.client_context())
    try:
        sender.send(message())
    finally:
        sender.close()


def secret_seen_in_clear(stub: SmtpStub) -> bool:
    encoded = base64.b64encode(f"\0cit\0{PASSWORD}".encode()).decode()
    return any(not tls and (PASSWORD in line or encoded in line) for tls, line in stub.lines)


def test_the_default_is_starttls_and_the_login_comes_after_it(stub_factory: StubFactory) -> None:
    stub = stub_factory()
    cfg = config(stub)
    assert cfg.tls == "starttls"
    send(stub, cfg)
    assert len(stub.messages) == 1
    verbs = [(tls, line.split()[0].upper()) for tls, line in stub.lines]
    assert verbs.index((False, "STARTTLS")) < verbs.index((True, "AUTH"))
    assert not secret_seen_in_clear(stub)


def test_a_server_that_offers_no_starttls_never_sees_the_login(stub_factory: StubFactory) -> None:
    stub = stub_factory(offer_starttls=False)
    with pytest.raises(smtplib.SMTPNotSupportedError):
        send(stub, config(stub))
    assert not any(line.upper().startswith("AUTH") for _, line in stub.lines)
    assert PASSWORD not in stub.said()
    assert stub.messages == []


def test_implicit_tls_speaks_tls_from_the_first_byte(stub_factory: StubFactory) -> None:
    stub = stub_factory(implicit=True)
    cfg = config(stub, REGISTRY_SMTP_TLS="implicit")
    send(stub, cfg)
    assert len(stub.messages) == 1
    assert stub.lines and all(tls for tls, _ in stub.lines)


def test_implicit_tls_defaults_to_port_465() -> None:
    cfg = notices.SmtpConfig.from_env(
        {"REGISTRY_SMTP_HOST": "mail", "REGISTRY_SMTP_TLS": "implicit"}
    )
    assert cfg is not None and cfg.port == 465


def test_a_certificate_the_client_does_not_trust_stops_the_login(stub_factory: StubFactory) -> None:
    stub = stub_factory()
    sender = notices.SmtpSender(config(stub), timeout=10)  # the system's trust store
    with pytest.raises(ssl.SSLCertVerificationError):
        sender.send(message())
    assert not any(line.upper().startswith("AUTH") for _, line in stub.lines)


def test_no_tls_is_allowed_only_without_a_login(stub_factory: StubFactory) -> None:
    stub = stub_factory(offer_starttls=False)
    with pytest.raises(notices.NoticeConfigError, match="in clear"):
        config(stub, REGISTRY_SMTP_TLS="none")
    relay = notices.SmtpConfig.from_env(
        {
            "REGISTRY_SMTP_HOST": "127.0.0.1",
            "REGISTRY_SMTP_PORT": str(stub.port),
            "REGISTRY_SMTP_TLS": "none",
        }
    )
    assert relay is not None
    send(stub, relay)
    assert len(stub.messages) == 1
    assert not any(line.upper().startswith(("AUTH", "STARTTLS")) for _, line in stub.lines)


def test_an_unknown_tls_mode_is_refused() -> None:
    with pytest.raises(notices.NoticeConfigError, match="starttls, implicit or none"):
        notices.SmtpConfig.from_env({"REGISTRY_SMTP_HOST": "mail", "REGISTRY_SMTP_TLS": "ssl3"})
