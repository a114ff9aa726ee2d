"""The `registry` command: database, users, keys, verification and the server."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAX_FETCH = 20 * 1024 * 1024


class UsageError(Exception):
    """Bad arguments or unreadable input: exit code 2."""


def _settings() -> Any:
    from registry.settings import get_settings

    return get_settings()


# ---- db -----------------------------------------------------------------------------------


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def cmd_db(args: argparse.Namespace) -> int:
    settings = _settings()
    if args.action == "upgrade":
        upgrade_database(settings.database_url)
        print("database is up to date")
    return 0


# ---- users --------------------------------------------------------------------------------


def cmd_user_create(args: argparse.Namespace) -> int:
    from registry.accounts.service import SYSTEM, create_user, issue_token
    from registry.db import make_engine, unit_of_work
    from registry.errors import RegistryError

    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(engine) as session:
            user = create_user(
                session,
                SYSTEM,
                username=args.name,
                role=args.role,
                region_code=args.region,
                password=password,
            )
            token = issue_token(session, SYSTEM, user)
    except RegistryError as exc:
        raise UsageError(exc.detail) from exc
    finally:
        engine.dispose()
    region = f" in region {args.region.upper()}" if args.region and args.role != "admin" else ""
    print(f"created {args.role} {args.name}{region}")
    print("API token (shown once; store it safely):")
    print(token)
    return 0


# ---- keys ---------------------------------------------------------------------------------


def _keystore() -> Any:
    from registry.credentials.keys import KeyStore

    settings = _settings()
    return KeyStore(settings.keys_dir, settings.keys_passphrase)


def _print_key(info: Any) -> None:
    dev = " (development)" if info.development else ""
    print(f"{info.kid}  {info.alg:6}  {info.state:11}  {info.created_at}{dev}")


def cmd_keys(args: argparse.Namespace) -> int:
    from registry.credentials.keys import KeyStoreError

    store = _keystore()
    try:
        if args.action == "list":
            for info in store.list():
                _print_key(info)
        elif args.action == "generate":
            _print_key(store.generate(args.alg, development=args.development))
        elif args.action == "rotate":
            _print_key(store.rotate(args.alg))
        elif args.action == "retire":
            _print_key(store.retire(args.kid))
        elif args.action == "compromise":
            _print_key(store.compromise(args.kid))
        elif args.action == "ensure-dev" and not store.has_active():
            info = store.generate("EdDSA", development=True)
            bar = "!" * 72
            print(
                f"{bar}\n  No signing key was found in {store.directory}: made a DEVELOPMENT "
                f"key {info.kid}.\n  Credentials it signs are for trying the registry only."
                f"\n  For production run `registry keys rotate` and keep the keys folder "
                f"safe.\n{bar}",
                file=sys.stderr,
            )
    except KeyStoreError as exc:
        raise UsageError(str(exc)) from exc
    return 0


# ---- verify -------------------------------------------------------------------------------


def fetch_url(url: str, *, accept: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise OSError(f"only http(s) URLs can be fetched: {url}")
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 - scheme checked
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        data: bytes = response.read(MAX_FETCH + 1)
    if len(data) > MAX_FETCH:
        raise OSError(f"{url} answered more than {MAX_FETCH} bytes")
    return data


class HttpStatusSource:
    """Fetches status lists over HTTP(S)."""

    def fetch(self, url: str) -> str:
        from registry.verification.core import StatusUnavailable

        try:
            return fetch_url(url, accept="application/vc+jwt").decode("ascii").strip()
        except (OSError, UnicodeDecodeError, urllib.error.URLError) as exc:
            raise StatusUnavailable(f"could not fetch {url}: {exc}") from exc


class FallbackStatusSource:
    def __init__(self, *sources: Any) -> None:
        self.sources = sources

    def fetch(self, url: str) -> str:
        from registry.verification.core import StatusUnavailable

        last: Exception = StatusUnavailable(url)
        for source in self.sources:
            try:
                return str(source.fetch(url))
            except StatusUnavailable as exc:
                last = exc
        raise last


def _read_token(arg: str) -> str:
    if arg.startswith("@"):
        path = Path(arg[1:])
        try:
            return path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc}") from exc
    return arg.strip()


def _load_jwks(source: str) -> Any:
    from registry.credentials.keys import KeySet

    try:
        if source.startswith(("http://", "https://")):
            raw = fetch_url(source, accept="application/json")
        else:
            raw = Path(source).read_bytes()
        keys = KeySet.from_jwks(json.loads(raw))
    except (OSError, ValueError, urllib.error.URLError) as exc:
        raise UsageError(f"cannot load keys from {source}: {exc}") from exc
    if not len(keys):
        raise UsageError(f"{source} holds no usable public key (Ed25519 or P-256)")
    return keys


def cmd_verify(args: argparse.Namespace) -> int:
    from registry.verification.core import CachingStatusSource, verify

    token = _read_token(args.token)
    issuer: str | None = None
    if args.jwks:
        keys = _load_jwks(args.jwks)
        issuer = args.issuer.rstrip("/") if args.issuer else None
        source: Any = HttpStatusSource()
    elif args.issuer:
        issuer = args.issuer.rstrip("/")
        keys = _load_jwks(f"{issuer}/.well-known/jwks.json")
        source = HttpStatusSource()
    else:
        from registry.credentials.service import Issuer
        from registry.db import make_engine
        from registry.verification.service import LocalStatusSource

        settings = _settings()
        store = _keystore()
        keys = store.trusted()
        issuer = settings.public_url
        own = Issuer(public_url=settings.public_url, name=settings.issuer_name, keys=store)
        source = FallbackStatusSource(
            LocalStatusSource(make_engine(settings.database_url), own.publisher()),
            HttpStatusSource(),
        )
    verdict = verify(
        token,
        keys,
        None if args.no_status else CachingStatusSource(source),
        datetime.now(UTC),
        issuer=issuer,
        check_status=not args.no_status,
    )
    print(json.dumps(verdict.to_dict(), indent=2, ensure_ascii=False))
    return 0 if verdict.verdict == "valid" else 1


# ---- import -------------------------------------------------------------------------------

PROGRESS_FROM_ROWS = 200  # smaller files finish before a bar would say anything


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc


def cmd_import(args: argparse.Namespace) -> int:
    """Imports a CSV file of officers, agencies or a class roster: every row, or none of them."""
    import uuid

    from tqdm import tqdm  # type: ignore[import-untyped]

    from registry.accounts.service import SYSTEM
    from registry.db import make_engine, unit_of_work
    from registry.errors import RegistryError
    from registry.imports import service

    data = _read_file(args.file)
    class_id = None
    if args.kind == "roster":
        try:
            class_id = uuid.UUID(args.class_id)
        except ValueError:
            raise UsageError(f"--class {args.class_id!r} is not a class id (a UUID)") from None
    source = args.file
    readers = {
        "officers": service.read_officers,
        "agencies": service.read_agencies,
        "roster": service.read_roster,
    }
    try:
        rows = readers[args.kind](data, source)
    except RegistryError as exc:
        raise UsageError(exc.detail) from exc
    engine = make_engine(_settings().database_url)
    bar = tqdm(
        total=len(rows),
        unit="row",
        desc=f"import {args.kind}",
        file=sys.stderr,
        disable=len(rows) < PROGRESS_FROM_ROWS,
        mininterval=0.25,
    )
    try:
        with unit_of_work(engine) as session:
            if class_id is not None:
                saved = service.import_roster(
                    session, SYSTEM, class_id, rows, source=source, progress=bar.update
                )
            else:
                run = (
                    service.import_officers if args.kind == "officers" else service.import_agencies
                )
                saved = run(session, SYSTEM, rows, source=source, progress=bar.update)
    except service.ImportRefused as exc:
        bar.close()
        for e in exc.errors:
            column = e.field or "(whole row)"
            print(f"{source}:{e.line}: {column}: {e.reason}")
        print(f"registry: {exc.detail}", file=sys.stderr)
        return 1
    except RegistryError as exc:
        bar.close()
        raise UsageError(exc.detail) from exc
    finally:
        engine.dispose()
    bar.close()
    noun = "enrollments" if class_id is not None else args.kind
    print(f"saved {saved} {noun} from {source}")
    return 0


# ---- audit trail and backups --------------------------------------------------------------


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Recomputes the audit trail's hash chain; exit 1 naming the first entry that breaks it."""
    from sqlalchemy.exc import SQLAlchemyError

    from registry.audit.chain import verify_chain
    from registry.db import READ_ONLY, make_engine

    engine = make_engine(_settings().database_url)
    try:
        with engine.execution_options(**READ_ONLY).connect() as connection:
            report = verify_chain(connection)
    except SQLAlchemyError as exc:
        raise UsageError(f"cannot read the audit trail: {exc}") from exc
    finally:
        engine.dispose()
    if report.broken is not None:
        print(f"audit trail BROKEN at entry {report.broken.id}: {report.broken.problem}")
        print(f"the {report.entries - 1} entries before it verify")
        return 1
    print(f"audit trail intact: {report.entries} entries")
    print(f"last hash: {report.head}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from registry import backup

    try:
        path = backup.backup(_settings().database_url, Path(args.path))
    except backup.BackupError as exc:
        raise UsageError(str(exc)) from exc
    print(f"backed up the database to {path} ({path.stat().st_size:,} bytes)")
    print("the signing keys are not in it: back up the keys folder as well")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from registry import backup

    if not args.yes:
        raise UsageError(
            "restore replaces the whole database with the backup, losing every change made "
            "since it was taken; stop the servers and run again with --yes"
        )
    try:
        saved = backup.restore(_settings().database_url, Path(args.path))
    except backup.BackupError as exc:
        raise UsageError(str(exc)) from exc
    print(f"restored the database from {args.path}")
    print(f"the database it replaced was saved first as {saved}")
    print("restart every server process: they cache status lists by revision")
    return 0


# ---- notify-expiring ----------------------------------------------------------------------


def cmd_notify_expiring(args: argparse.Namespace) -> int:
    """Sends expiry notices (email with REGISTRY_SMTP_HOST, else .eml files), each only once."""
    from registry.db import make_engine
    from registry.notices import service as notices

    if not 1 <= args.days <= 3660:
        raise UsageError("--days is a number of days from 1 to 3660")
    settings = _settings()
    outbox = Path(args.outbox) if args.outbox else notices.outbox_dir(os.environ)
    try:
        smtp = notices.SmtpConfig.from_env(os.environ)
    except notices.NoticeConfigError as exc:
        raise UsageError(str(exc)) from exc
    sender = notices.SmtpSender(smtp) if smtp else None
    program = notices.Program(
        name=settings.issuer_name,
        public_url=settings.public_url,
        from_address=smtp.sender if smtp else os.environ.get("REGISTRY_SMTP_FROM") or None,
    )
    engine = make_engine(settings.database_url)
    try:
        summary = notices.notify_expiring(
            engine, program, days=args.days, outbox=outbox, sender=sender
        )
    finally:
        if sender is not None:
            sender.close()
        engine.dispose()
    for post_id in summary.without_email:
        print(f"officer {post_id} has no email address: the notice was written to {outbox}")
    for failure in summary.failed:
        print(f"registry: notice not sent: {failure}", file=sys.stderr)
    print(summary.line())
    return 1 if summary.failed else 0


# ---- serve --------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from registry.web.logfilter import uvicorn_log_config

    settings = _settings()
    workers = args.workers or settings.workers
    uvicorn.run(
        "registry.asgi:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=workers if workers > 1 else None,
        proxy_headers=False,
        server_header=False,
        # Other log lines could otherwise print an officer's wallet key (it is in the path).
        log_config=uvicorn_log_config(),
        log_level=os.environ.get("REGISTRY_LOG_LEVEL", "info"),
        # The app writes its own, cheaper access log (registry.web.accesslog; REGISTRY_ACCESS_LOG).
        access_log=False,
    )
    return 0


# ---- the parser ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="registry", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=cmd_db)

    user = sub.add_parser("user", help="accounts")
    user_sub = user.add_subparsers(dest="action", required=True)
    create = user_sub.add_parser("create", help="create a user and print an API token")
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=["admin", "coordinator", "instructor"])
    create.add_argument("--region", help="region code (coordinators and instructors)")
    create.add_argument(
        "--password-stdin", action="store_true", help="read a web console password from stdin"
    )
    create.set_defaults(func=cmd_user_create)

    keys = sub.add_parser("keys", help="signing keys")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    keys_sub.add_parser("list").set_defaults(func=cmd_keys)
    for name in ("generate", "rotate"):
        p = keys_sub.add_parser(name)
        p.add_argument(
            "--alg", choices=["EdDSA", "ES256"], default=None if name == "rotate" else "EdDSA"
        )
        if name == "generate":
            p.add_argument("--development", action="store_true", help=argparse.SUPPRESS)
        p.set_defaults(func=cmd_keys)
    for name in ("retire", "compromise"):
        p = keys_sub.add_parser(name)
        p.add_argument("kid")
        p.set_defaults(func=cmd_keys)
    keys_sub.add_parser("ensure-dev", help="make a development key if there is none").set_defaults(
        func=cmd_keys
    )

    verify = sub.add_parser("verify", help="verify a credential (exit 0 when valid)")
    verify.add_argument("token", help="a compact JWS, or @FILE")
    verify.add_argument("--jwks", help="trust exactly these keys: a JWKS or JWK file or URL")
    verify.add_argument("--issuer", help="the issuer URL; its /.well-known/jwks.json is fetched")
    verify.add_argument("--no-status", action="store_true", help="skip the status lists")
    verify.set_defaults(func=cmd_verify)

    imp = sub.add_parser("import", help="import a CSV file (all rows or none; exit 1 if refused)")
    imp_sub = imp.add_subparsers(dest="kind", required=True)
    officers = imp_sub.add_parser(
        "officers",
        help="columns post_id,first_name,last_name,agency_ori,patrol_start_date[,email,protected]",
    )
    officers.add_argument("file", help="a UTF-8 CSV file with a header line")
    officers.set_defaults(func=cmd_import)
    agencies = imp_sub.add_parser("agencies", help="columns name,ori,region (a region code)")
    agencies.add_argument("file", help="a UTF-8 CSV file with a header line")
    agencies.set_defaults(func=cmd_import)
    roster = imp_sub.add_parser("roster", help="enroll the officers of a post_id column in a class")
    roster.add_argument("file", help="a UTF-8 CSV file with a post_id column")
    roster.add_argument("--class", dest="class_id", required=True, help="the class id")
    roster.set_defaults(func=cmd_import)

    audit = sub.add_parser("audit", help="the audit trail")
    audit_sub = audit.add_subparsers(dest="action", required=True)
    audit_sub.add_parser(
        "verify", help="recompute the hash chain (exit 1 at the first broken entry)"
    ).set_defaults(func=cmd_audit_verify)

    backup = sub.add_parser("backup", help="copy the live database to a new file")
    backup.add_argument("path", help="the backup file to write (must not exist)")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="replace the database with a backup")
    restore.add_argument("path", help="a file written by `registry backup`")
    restore.add_argument("--yes", action="store_true", help="confirm replacing the database")
    restore.set_defaults(func=cmd_restore)

    notify = sub.add_parser(
        "notify-expiring", help="send expiry notices once per credential and window"
    )
    notify.add_argument("--days", type=int, default=90, help="warn this many days ahead")
    notify.add_argument("--outbox", help="folder for .eml files (default var/outbox/)")
    notify.set_defaults(func=cmd_notify_expiring)

    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(func=cmd_serve)
    return parser


def _kid_as_operand(argv: Sequence[str]) -> list[str]:
    """A kid is base64url, so one in 64 begins with "-", which argparse would take for an option:
    `registry keys retire -0NSD...` must still mean that key."""
    args = list(argv)
    if (
        len(args) >= 3
        and args[:2] in (["keys", "retire"], ["keys", "compromise"])
        and args[2].startswith("-")
        and args[2] not in ("-h", "--help", "--")
    ):
        args.insert(2, "--")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(_kid_as_operand(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    try:
        result: int = args.func(args)
        return result
    except UsageError as exc:
        print(f"registry: {exc}", file=sys.stderr)
        return 2
