"""A small per-address counter for sign-in attempts, kept in the app's store (memory or Redis)."""

from __future__ import annotations

from litestar.stores.base import Store


class SignInThrottle:
    def __init__(self, store: Store, per_minute: int) -> None:
        self.store = store
        self.per_minute = per_minute

    async def allow(self, client: str) -> bool:
        if self.per_minute <= 0:
            return True
        key = f"sign-in:{client}"
        raw = await self.store.get(key)
        count = int(raw or b"0") + 1
        # A fixed one-minute window from the first attempt: enough to stop password guessing.
        left = await self.store.expires_in(key) if raw is not None else None
        await self.store.set(key, str(count).encode(), expires_in=left if left and left > 0 else 60)
        return count <= self.per_minute
