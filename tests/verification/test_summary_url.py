"""The summary's cheap readings: the credential id from a plain http(s) URL's path agrees with
urlsplit on any text, and times are written as RFC 3339 in UTC whatever their zone or year."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from registry.verification.core import _path_of

# Characters that change how urlsplit reads a URL (query, fragment, IP literal, spaces and
from registry.verification.verdict import format_utc as _format_utc

# Characters that change how urlsplit reads a URL (query, fragment, IP literal, spaces and
# controls it strips, a backslash, non-ASCII) besides the ones of a plain URL.
ALPHABET = "az09/.:@%-_~?#[]\\ \t\n\x01é!$&'()*+,;=H"
URLS = st.builds(
    lambda scheme, rest: scheme + rest,
    st.sampled_from(["http://", "https://", "HTTP://", "urn:", "", "http:/", "ftp://"]),
    st.text(alphabet=ALPHABET, max_size=30),
)


@settings(max_examples=2000, deadline=None)
@given(URLS)
def test_the_path_is_what_urlsplit_says(url: str) -> None:
    try:
        expected = urlsplit(url).path
    except ValueError:  # an IP literal urlsplit refuses: the cheap reading must not take it
        expected = None
    try:
        assert _path_of(url) == expected
    except ValueError:
        assert expected is None


def test_a_credential_url_of_ours() -> None:
    assert _path_of("https://registry.example/c/P1Q84S5THVRKK8N7C9EPRKVS4R") == (
        "/c/P1Q84S5THVRKK8N7C9EPRKVS4R"
    )
    assert _path_of("http://127.0.0.1:8000") == ""
    assert _path_of("https://registry.example/c/X?download=1#top") == "/c/X"


@given(st.datetimes(timezones=st.timezones() | st.none()))
def test_times_are_written_as_rfc3339_utc_to_the_second(value: datetime) -> None:
    try:
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # beyond datetime's range in UTC: nothing to write
        assume(False)
    written = _format_utc(value)
    assert written == utc.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
