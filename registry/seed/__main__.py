"""`python -m registry.seed` (scripts/seed-state): ten years of a state into the configured
database (REGISTRY_DATABASE_URL), migrated first, signed by the active key (REGISTRY_KEYS_DIR)."""

from __future__ import annotations

import argparse
import sys

from registry.credentials.service import Issuer
from registry.db import make_engine
from registry.errors import Unavailable
from registry.migrate import upgrade_database
from registry.seed.state import Size, seed_state
from registry.settings import get_settings
from registry.vc.keystore import KeyStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/seed-state", description=__doc__)
    size = Size()
    parser.add_argument("--regions", type=int, default=size.regions)
    parser.add_argument("--agencies", type=int, default=size.agencies)
    parser.add_argument("--officers", type=int, default=size.officers)
    parser.add_argument("--years", type=int, default=size.years)
    parser.add_argument(
        "--seed", type=int, default=24, help="the random draw (same seed, same state)"
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    upgrade_database(settings.database_url)
    keys = KeyStore(settings.keys_dir, settings.keys_passphrase)
    issuer = Issuer(public_url=settings.public_url, name=settings.issuer_name, keys=keys)
    engine = make_engine(settings.database_url)
    wanted = Size(args.regions, args.agencies, args.officers, args.years)
    try:
        done = seed_state(engine, issuer, wanted, seed=args.seed, say=print)
    except (ValueError, Unavailable) as exc:
        print(f"seed-state: {exc}", file=sys.stderr)
        return 2
    print(f"done in {sum(done.seconds.values()):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
