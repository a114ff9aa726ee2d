"""Commands on the records: imports, the audit trail's chain, backups, expiry notices, and the
server."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from registry.cli.common import (
    PROGRESS_FROM_ROWS,
    UsageError,
    current_settings,
    open_database,
    program_zone,
    read_file,
)
from registry.migrate import upgrade_database


def cmd_db(args: argparse.Namespace) -> int:
    settings = current_settings()
    if args.action == "upgrade":
        upgrade_database(settings.database_url)
        print("database is up to date")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Imports a CSV file of officers, agencies or a class roster: every row, or none of them."""
    import uuid

    from tqdm import tqdm  # type: ignore[import-untyped]

    from registry.actors import SYSTEM
    from registry.db import unit_of_work
    from registry.errors import RegistryError
    from registry.imports import reading, service

    data = read_file(args.file)
    class_id = None
    if args.kind == "roster":
        try:
            class_id = uuid.UUID(args.class_id)
        except ValueError:
            raise UsageError(f"--class {args.class_id!r} is not a class id (a UUID)") from None
    source = args.file
    readers = {
        "officers": reading.read_officers,
        "agencies": service.read_agencies,
        "roster": service.read_roster,
    }
    try:
        rows = readers[args.kind](data, source)
    except RegistryError as exc:
        raise UsageError(exc.detail) from exc
    engine = open_database()
    bar = tqdm(
        total=len(rows),
        unit="row",
        desc=f"import {args.kind}",
        file=sys.stderr,
        disable=len(rows) < PROGRESS_FROM_ROWS,
        mininterval=0.25,
    )
    roster: service.RosterImport | None = None
    officers: service.OfficerImport | None = None
    try:
        with unit_of_work(engine) as session:
            if class_id is not None:
                roster = service.import_roster(
                    session,
                    SYSTEM,
                    class_id,
                    rows,
                    program_zone(),
                    source=source,
                    progress=bar.update,
                )
                saved = roster.saved
            elif args.kind == "officers":
                officers = service.import_officers(
                    session,
                    SYSTEM,
                    rows,
                    program_zone(),
                    source=source,
                    progress=bar.update,
                    existing=args.existing,
                    preview=args.preview,
                )
                saved = officers.saved
            else:
                saved = service.import_agencies(
                    session, SYSTEM, rows, source=source, progress=bar.update
                )
    except reading.ImportRefused as exc:
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
    if officers is not None:
        for kind, changes in (("updated", officers.updated), ("skipped", officers.skipped)):
            for c in changes:
                what = "; ".join(f"{k}: {b!r} -> {a!r}" for k, (b, a) in c.changes.items())
                print(
                    f"{source}:{c.line}: {kind} {c.post_id} {c.name}{': ' + what if what else ''}"
                )
        if args.preview:
            print(
                f"preview: would create {len(officers.created)}, update "
                f"{len(officers.updated)}, skip {len(officers.skipped)}; nothing was saved"
            )
            return 0
    print(f"saved {saved} {noun} from {source}")
    if roster is None:
        return 0
    for e in roster.skipped:
        print(f"{source}:{e.line}: skipped: {e.reason}")
    for e in roster.refused:
        print(f"{source}:{e.line}: refused: {e.reason}")
    if roster.refused:
        print(
            f"registry: {len(roster.refused)} rows refused; the others were saved", file=sys.stderr
        )
        return 1
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Recomputes the audit trail's hash chain; exit 1 naming the first entry that breaks it."""
    from sqlalchemy.exc import SQLAlchemyError

    from registry.audit.chain import verify_chain
    from registry.db import READ_ONLY

    engine = open_database()
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
        path = backup.backup(current_settings().database_url, Path(args.path))
    except backup.BackupError as exc:
        raise UsageError(str(exc)) from exc
    _record_backup(path)
    print(f"backed up the database to {path} ({path.stat().st_size:,} bytes)")
    print("the signing keys are not in it: back up the keys folder as well")
    return 0


def _record_backup(path: Path) -> None:
    """The backup in the audit trail (after it was taken, so not in it): the administrator's
    first-run checklist ticks "Backups" from it."""
    from registry.actors import SYSTEM
    from registry.audit.service import record
    from registry.db import unit_of_work
    from registry.reports.firstrun import BACKUP_ACTION

    with unit_of_work(open_database()) as session:
        record(
            session,
            SYSTEM,
            BACKUP_ACTION,
            "database",
            "backup",
            after={"file": path.name, "bytes": path.stat().st_size},
        )


def cmd_restore(args: argparse.Namespace) -> int:
    from registry import backup

    if not args.yes:
        raise UsageError(
            "restore replaces the whole database with the backup, losing every change made "
            "since it was taken; stop the servers and run again with --yes"
        )
    try:
        saved = backup.restore(current_settings().database_url, Path(args.path))
    except backup.BackupError as exc:
        raise UsageError(str(exc)) from exc
    print(f"restored the database from {args.path}")
    print(f"the database it replaced was saved first as {saved}")
    print("restart every server process: they cache status lists by revision")
    return 0


def cmd_notify_expiring(args: argparse.Namespace) -> int:
    """Sends expiry notices (email with REGISTRY_SMTP_HOST, else .eml files), each only once."""
    from registry.notices import service as notices
    from registry.windows import EXPIRING_MAX_DAYS

    if not 1 <= args.days <= EXPIRING_MAX_DAYS:
        raise UsageError(f"--days is a number of days from 1 to {EXPIRING_MAX_DAYS}")
    settings = current_settings()
    outbox = Path(args.outbox) if args.outbox else settings.mail.outbox
    program, sender = notices.mail_setup(
        settings.mail, settings.issuer_name, settings.public_url, program_zone()
    )
    engine = open_database()
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


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from registry.settings import get_settings
    from registry.web.logfilter import uvicorn_log_config

    # A host or port given here is the setting, for the app and its workers alike: with no
    # public URL set, links, QR codes and emails then name where it listens, as REGISTRY_PORT.
    if args.host:
        os.environ["REGISTRY_HOST"] = args.host
    if args.port:
        os.environ["REGISTRY_PORT"] = str(args.port)
    get_settings.cache_clear()
    settings = current_settings()
    workers = args.workers or settings.workers
    if workers > 1:
        # Before a worker starts: each writes its figures there, /metrics adds them up.
        from registry.server import prepare_multiprocess

        prepare_multiprocess(settings.metrics_dir)
    config = uvicorn.Config(
        "registry.asgi:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        # X-Forwarded-For / -Proto are believed only from the proxies named in
        # REGISTRY_TRUSTED_PROXIES; then every limit counts the real client, and a request the
        # proxy took over https is https (HSTS). From anyone else they are ignored: a client
        # could otherwise pick its own address, and its own rate-limit bucket, per request.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        server_header=False,
        # Other log lines could otherwise print an officer's wallet key (it is in the path).
        log_config=uvicorn_log_config(),
        log_level=settings.log_level,
        # The app writes its own, cheaper access log (registry.web.accesslog; REGISTRY_ACCESS_LOG).
        access_log=False,
    )
    if workers <= 1:
        server = uvicorn.Server(config)
        server.run()
        return 0 if server.started else 3  # uvicorn's own status for a failed start
    # Several: the app is loaded once here and the workers forked from it (registry.server).
    from registry.metrics import forget_process, worker_gone
    from registry.server import Supervisor

    return Supervisor(config, workers, on_loaded=forget_process, on_exit=worker_gone).run()
