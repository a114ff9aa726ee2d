"""The `registry` command: database, users, keys, verification and the server. Each group of
commands is a module of this package; this one parses the arguments and dispatches."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from registry.cli.common import UsageError
from registry.cli.keys import cmd_keys
from registry.cli.records import (
    cmd_audit_verify,
    cmd_backup,
    cmd_db,
    cmd_import,
    cmd_notify_expiring,
    cmd_restore,
    cmd_serve,
)
from registry.cli.users import cmd_user_change, cmd_user_create, cmd_user_list, cmd_user_tokens
from registry.cli.verify import cmd_verify

# ---- db -----------------------------------------------------------------------------------


# ---- users --------------------------------------------------------------------------------


# ---- keys ---------------------------------------------------------------------------------


# ---- verify -------------------------------------------------------------------------------


# ---- import -------------------------------------------------------------------------------


# ---- audit trail and backups --------------------------------------------------------------


# ---- notify-expiring ----------------------------------------------------------------------


# ---- serve --------------------------------------------------------------------------------


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
    create.add_argument(
        "--role",
        required=True,
        choices=["admin", "coordinator", "instructor", "monitor", "liaison", "dispatch"],
    )
    create.add_argument("--region", help="region code (coordinators and instructors)")
    create.add_argument("--agency", help="the agency's ORI (a liaison or dispatch account)")
    create.add_argument(
        "--password-stdin", action="store_true", help="read a web console password from stdin"
    )
    create.set_defaults(func=cmd_user_create)
    user_sub.add_parser(
        "list", help="every account, its role, region and last sign-in"
    ).set_defaults(func=cmd_user_list)
    for name, text in (
        ("disable", "shut an account off: its API tokens and sessions stop working at once"),
        ("enable", "let a disabled account back in"),
        ("reset-password", "set a new console password read from stdin (ends its sessions)"),
        ("end-sessions", "sign the account out of every console session"),
    ):
        p = user_sub.add_parser(name, help=text)
        p.add_argument("name")
        if name == "reset-password":
            p.add_argument(
                "--password-stdin", action="store_true", required=True, help="read it from stdin"
            )
        p.set_defaults(func=cmd_user_change)
    tokens = user_sub.add_parser("tokens", help="the account's API tokens (ids, never the token)")
    tokens.add_argument("name")
    tokens.set_defaults(func=cmd_user_tokens)
    revoke = user_sub.add_parser("revoke-token", help="revoke one API token, or --all")
    revoke.add_argument("name")
    revoke.add_argument("token_id", nargs="?", help="a token id from `registry user tokens`")
    revoke.add_argument("--all", action="store_true", help="every token of the account")
    revoke.set_defaults(func=cmd_user_change)

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
        p.add_argument("kid", help="the key's thumbprint, or its DID URL ({did}#{thumbprint})")
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
    officers.add_argument(
        "--existing",
        choices=["refuse", "skip", "update"],
        default="refuse",
        help="an officer already registered (by POST id): refuse the file, skip or update them",
    )
    officers.add_argument(
        "--preview", action="store_true", help="say what would change and save nothing"
    )
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
