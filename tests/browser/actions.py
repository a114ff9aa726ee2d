"""A person's actions, counted the way issue 11 counted the class of 24 and issue 23 counts the
journeys around it: a click or tap, a key, a choice from a list, a file picked. The README's
"Actions a person takes" table is made of these counts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page


@dataclass
class Actions:
    page: Page
    count: int = 0
    # Of `count`, the keys that spell out what was typed (a username, a password, an id): what
    # a journey asks to be typed, apart from the presses and choices it asks for.
    keys: int = 0

    def click(self, target: Locator) -> None:
        target.click()
        self.count += 1

    def type(self, target: Locator, text: str) -> None:
        """Replace what a field holds: click into it, select all, type."""
        target.click()
        target.press("Control+a")
        target.press_sequentially(text)
        self.count += 2 + len(text)
        self.keys += len(text)

    def enter(self, target: Locator, text: str) -> None:
        """Type into an empty field: click into it, type."""
        target.click()
        target.press_sequentially(text)
        self.count += 1 + len(text)
        self.keys += len(text)

    def paste(self, target: Locator, text: str) -> None:
        """Click into the field and paste what was copied from the spreadsheet."""
        target.fill(text)
        self.count += 2

    def choose(
        self, target: Locator, value: str | None = None, *, label: str | None = None
    ) -> None:
        if label is not None:
            target.select_option(label=label)
        else:
            target.select_option(value)
        self.count += 2  # open the list, pick the option

    def pick_file(self, target: Locator, path: Path) -> None:
        target.set_input_files(str(path))
        self.count += 2  # open the file chooser, pick the file

    def follow(self, url: str) -> None:
        """Tap a link in an email: the page opens in the browser."""
        self.page.goto(url)
        self.count += 1

    def since(self, mark: int) -> int:
        return self.count - mark
