"""`registry user ...`: accounts, their tokens, and what ends their lockouts."""

from __future__ import annotations

import argparse
from typing import Any

from registry.cli.common import UsageError, as_admin, current_settings, read_password, when


def cmd_user_create(args: argparse.Namespace) -> int:
    from registry.accounts.service import create_user, issue_token
    from registry.actors import SYSTEM

    password = read_password() if args.password_stdin else None

    def work(session: Any) -> str:
        user = create_user(
            session,
            SYSTEM,
            username=args.name,
            role=args.role,
            region_code=args.region,
            password=password,
            agency_ori=args.agency,
        )
        return str(issue_token(session, SYSTEM, user))

    token = as_admin(work)
    region = (
        f" in region {args.region.upper()}"
        if args.region and args.role not in ("admin", "monitor")
        else ""
    )
    if args.role in ("liaison", "dispatch"):
        region = f" of agency {args.agency.strip().upper()}"
    print(f"created {args.role} {args.name}{region}")
    print("API token (shown once; store it safely):")
    print(token)
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from registry.accounts.service import list_users
    from registry.actors import SYSTEM

    users = as_admin(lambda session: list_users(session, SYSTEM))
    for u in users:
        state = "DISABLED" if u.disabled else "active"
        print(
            f"{u.username:24}  {u.role:11}  {u.region or u.agency or '-':8}  {state:8}  "
            f"last sign-in {when(u.last_sign_in)}"
        )
    if not users:
        print("no users yet: `registry user create NAME --role admin --password-stdin`")
    return 0


def cmd_user_change(args: argparse.Namespace) -> int:
    """disable, enable, reset-password, revoke-token and end-sessions: one account, audited."""
    import uuid

    from registry.accounts import service
    from registry.actors import SYSTEM

    token_id = None
    if args.action == "revoke-token":
        if args.all == bool(args.token_id):
            raise UsageError("give a token id (see `registry user tokens NAME`) or --all")
        if args.token_id:
            try:
                token_id = uuid.UUID(args.token_id)
            except ValueError:
                raise UsageError(f"{args.token_id!r} is not a token id") from None
    password = read_password() if args.action == "reset-password" else None

    def work(session: Any) -> str:
        actor = SYSTEM
        user = service.find_user(session, actor, name=args.name)
        if args.action in ("disable", "enable"):
            service.set_disabled(session, actor, user, args.action == "disable")
            if args.action == "disable":
                return f"disabled {user.username}: its API tokens and sessions no longer work"
            return f"enabled {user.username}"
        if args.action == "reset-password":
            assert password is not None  # noqa: S101 - read above for this action
            service.reset_password(session, actor, user, password)
            return f"new password set for {user.username}; its console sessions were ended"
        if args.action == "revoke-token":
            n = service.revoke_tokens(session, actor, user, token_id)
            return f"revoked {n} API token{'s' if n != 1 else ''} of {user.username}"
        n = service.end_sessions(session, actor, user)
        return f"ended {n} console session{'s' if n != 1 else ''} of {user.username}"

    print(as_admin(work))
    if args.action in ("reset-password", "enable"):
        _lift_lockouts(args.name)
    return 0


def _lift_lockouts(name: str) -> None:
    """Ends the account's sign-in lockouts where they are shared (Redis); a worker's own
    memory forgets them when their window ends."""
    import asyncio

    from registry.web.throttle import RedisCounter, SignInThrottle

    settings = current_settings()
    if settings.redis_url:
        counter = RedisCounter(settings.redis_url)

        async def lift() -> None:
            try:
                await SignInThrottle(counter, 0).lift(name)
            finally:
                await counter.close()

        asyncio.run(lift())


def cmd_user_tokens(args: argparse.Namespace) -> int:
    from registry.accounts import service
    from registry.actors import SYSTEM

    def work(session: Any) -> list[Any]:
        user = service.find_user(session, SYSTEM, name=args.name)
        return service.list_tokens(session, SYSTEM, user)

    tokens = as_admin(work)
    for t in tokens:
        state = f"revoked {when(t.revoked_at)}" if t.revoked_at else "active"
        print(f"{t.id}  created {when(t.created_at)}  {state}")
    if not tokens:
        print(f"{args.name} has no API tokens")
    return 0
