"""Sign-in throttles: attempts per address per minute, and failures per account from one address
(a lockout that stops a guesser without locking the account's owner out from everywhere else).

Each attempt is counted with one atomic increment before the password is checked, so thirty
guesses sent at once are thirty counts, not thirty reads of the same number (memory: under a
lock; Redis: INCR with its expiry set in the same script).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from litestar.di import NamedDependency


class Counter(Protocol):
    async def hit(self, key: str, window: int) -> int:
        """Adds one to the key's count and returns it; the count starts over `window` seconds
        after its first hit."""
        ...

    async def forget(self, key: str) -> None: ...

    async def forget_prefix(self, prefix: str) -> None:
        """Forgets every key that starts with `prefix`."""
        ...

    async def close(self) -> None: ...


class MemoryCounter:
    """Counts for one process."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    async def hit(self, key: str, window: int) -> int:
        now = time.monotonic()
        with self._lock:
            count, ends = self._counts.get(key, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + window
                if len(self._counts) > 10_000:
                    # Names nobody retries would otherwise stay forever.
                    self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            self._counts[key] = (count + 1, ends)
            return count + 1

    async def forget(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    async def forget_prefix(self, prefix: str) -> None:
        with self._lock:
            self._counts = {k: v for k, v in self._counts.items() if not k.startswith(prefix)}

    async def close(self) -> None:
        return None


# INCR, and the expiry set by the first hit, in one step: no window without an expiry.
_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


class RedisCounter:
    """Counts shared by every worker and host that uses the same Redis."""

    def __init__(self, url: str, namespace: str = "cit-sign-in") -> None:
        from redis.asyncio import Redis

        self._redis: Any = Redis.from_url(url)
        self._namespace = namespace
        self._script: Any = self._redis.register_script(_HIT)

    async def hit(self, key: str, window: int) -> int:
        return int(await self._script(keys=[f"{self._namespace}:{key}"], args=[window]))

    async def forget(self, key: str) -> None:
        await self._redis.delete(f"{self._namespace}:{key}")

    async def forget_prefix(self, prefix: str) -> None:
        async for key in self._redis.scan_iter(match=f"{self._namespace}:{prefix}*"):
            await self._redis.delete(key)

    async def close(self) -> None:
        await self._redis.aclose()


@dataclass(frozen=True)
class Lockout:
    """A failure budget per account and address: `failures` within `seconds` lock that account
    from that address for the rest of them."""

    failures: int = 10
    seconds: int = 15 * 60


class SignInThrottle:
    def __init__(self, counter: Counter, per_minute: int, lockout: Lockout | None = None) -> None:
        self.counter = counter
        self.per_minute = per_minute
        self.lockout = lockout or Lockout()

    async def allow(self, client: str) -> bool:
        """Counts an attempt from this address; False past the per-minute limit."""
        if self.per_minute <= 0:
            return True
        return await self.counter.hit(f"address:{client}", 60) <= self.per_minute

    async def account_allows(self, username: str, client: str) -> bool:
        """Counts an attempt on this account name from this address; False once it is locked
        out there.

        Per address: ten wrong passwords from one place must not lock the real owner out from
        every other (a lockout per account alone was a weapon against the admin). A guesser
        spread over many addresses still meets the per-minute limit at each of them. Names that
        no account has are counted the same way, so the answer never tells whether an account
        exists; the name is kept only as a hash (people type passwords there)."""
        if self.lockout.failures <= 0:
            return True
        count = await self.counter.hit(_account_key(username, client), self.lockout.seconds)
        return count <= self.lockout.failures

    async def signed_in(self, username: str, client: str) -> None:
        """A right password: the attempts counted against the account from there start over."""
        await self.counter.forget(_account_key(username, client))

    async def reset_allows(self, name: str, per_hour: int = 5) -> bool:
        """Counts a password-reset request for this username or email (from anywhere); False
        past `per_hour`: nobody's mailbox is flooded. Counted the same for names no account
        has, and the caller answers the same words either way."""
        account = hashlib.sha256(name.strip().lower().encode()).hexdigest()
        return await self.counter.hit(f"reset:{account}", 3600) <= per_hour

    async def lift(self, username: str) -> None:
        """Ends every lockout of the account (a new password set, or the admin's say)."""
        await self.counter.forget_prefix(_account_key(username, ""))


def _account_key(username: str, client: str) -> str:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return f"account:{account}:" + (hashlib.sha256(client.encode()).hexdigest() if client else "")


def make_counter(redis_url: str | None) -> Counter:
    """Memory for one worker; Redis when several workers (or hosts) must share the counts."""
    return RedisCounter(redis_url) if redis_url else MemoryCounter()


# The console's sign-in throttle as a request dependency (made once by the app factory).
CurrentThrottle = NamedDependency[SignInThrottle]
