"""`registry keys ...`: the signing keys (list, generate, rotate, retire, compromise, import)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from registry.cli.common import UsageError, current_settings, when


def keystore() -> Any:
    from registry.vc.keystore import KeyStore

    settings = current_settings()
    return KeyStore(settings.keys_dir, settings.keys_passphrase)


def _print_key(info: Any) -> None:
    dev = " (development)" if info.development else ""
    print(f"{info.kid}  {info.alg:6}  {info.state:11}  {when(info.created_at)}{dev}")


def _thumbprint_of(kid: str) -> str:
    """A key as the store names it (its thumbprint), given that or its DID URL, as credentials,
    the JWKS and the DID document name it."""
    if not kid.startswith("did:"):
        return kid
    from registry.vc.did import did_web

    did, _, thumbprint = kid.partition("#")
    ours = did_web(current_settings().public_url)
    if did != ours or not thumbprint:
        raise UsageError(f"{kid} is not a key of this registry's DID {ours}")
    return thumbprint


def cmd_keys(args: argparse.Namespace) -> int:
    from registry.vc.keystore import KeyStoreError

    store = keystore()
    try:
        if args.action == "list":
            for info in store.list():
                _print_key(info)
        elif args.action == "generate":
            _print_key(store.generate(args.alg, development=args.development))
        elif args.action == "rotate":
            _print_key(store.rotate(args.alg))
        elif args.action == "retire":
            _print_key(store.retire(_thumbprint_of(args.kid)))
        elif args.action == "compromise":
            _print_key(store.compromise(_thumbprint_of(args.kid)))
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
