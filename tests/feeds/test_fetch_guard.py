"""The SSRF guard: feeds reach only public addresses and no files unless a setting says so.

The HTTP is real, on 127.0.0.1 against the local feed server; where a test
needs a name that "resolves" somewhere, it replaces the guard's one resolver
(:func:`publisher.sources.feeds.addresses.lookup`), never the connection.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from publisher.context import Context
from publisher.sources.feeds import addresses
from publisher.sources.feeds.addresses import Access, AddressRefused, GuardedTransport
from publisher.sources.feeds.errors import FetchError
from publisher.sources.feeds.fetch import fetch
from publisher.sources.feeds.subscriptions import add_feed, poll_feeds
from tests.feeds.conftest import LIMITS
from tests.feeds.feedgen import items, rss
from tests.feeds.server import FeedServer, Route
from tests.feeds.tls import Authority
from tests.helpers import cli_add_outbox, make_context, oyez

STRICT = Access()
PRIVATE_OK = Access(allow_private_addresses=True)
Lookup = Callable[[str, int], list[tuple[addresses.IPAddress, str]]]


@pytest.fixture(autouse=True)
def feeds_reach_the_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Overrides the conftest's: here the settings are off unless a test turns them on."""
    monkeypatch.delenv("OYEZ_FEEDS__ALLOW_PRIVATE_ADDRESSES", raising=False)
    monkeypatch.delenv("OYEZ_FEEDS__ALLOW_FILES", raising=False)


@pytest.fixture
def feed(server: FeedServer) -> FeedServer:
    server.serve("/f", Route(body=rss(items(2))))
    return server


def _port(server: FeedServer) -> int:
    return int(server.url("/").rsplit(":", 1)[1].rstrip("/"))


def _fake_dns(monkeypatch: pytest.MonkeyPatch, names: dict[str, list[str]]) -> list[str]:
    """Answer ``names`` from the table (``"checked>connect"`` for a public-looking address
    that is reachable at 127.0.0.1); other names resolve for real. Returns the names asked.
    """
    real: Lookup = addresses.lookup
    asked: list[str] = []

    def lookup(host: str, port: int) -> list[tuple[addresses.IPAddress, str]]:
        asked.append(host)
        if host not in names:
            return real(host, port)
        answers = []
        for answer in names[host]:
            checked, _, connect = answer.partition(">")
            answers.append((ipaddress.ip_address(checked), connect or checked))
        return answers

    monkeypatch.setattr(addresses, "lookup", lookup)
    return asked


#: Loopback as a URL may spell it; every one reaches the local server when allowed.
LOOPBACK = ["127.0.0.1", "localhost", "2130706433", "0x7f.1", "127.1", "127.0.1"]


@pytest.mark.parametrize("host", LOOPBACK)
def test_every_spelling_of_loopback_is_refused_naming_the_setting(
    feed: FeedServer, host: str
) -> None:
    with pytest.raises(AddressRefused, match=r"loopback address.*feeds\.allow_private_addresses"):
        fetch(f"http://{host}:{_port(feed)}/f", limits=LIMITS, access=STRICT)
    assert feed.requests_to("/f") == []


@pytest.mark.parametrize("host", LOOPBACK)
def test_the_same_spellings_reach_the_server_when_the_setting_allows(
    feed: FeedServer, host: str
) -> None:
    got = fetch(f"http://{host}:{_port(feed)}/f", limits=LIMITS, access=PRIVATE_OK)
    assert not got.not_modified
    assert got.body


def test_an_octal_dotted_quad_is_refused_as_malformed_not_fetched(feed: FeedServer) -> None:
    with pytest.raises(FetchError, match="not a valid URL"):
        fetch(f"http://0177.0.0.1:{_port(feed)}/f", limits=LIMITS, access=PRIVATE_OK)
    assert feed.requests_to("/f") == []


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("[::1]", "loopback"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("[::ffff:7f00:1]", "loopback"),
        ("[2002:7f00:1::]", "loopback"),  # 6to4 around 127.0.0.1
        ("[64:ff9b::a9fe:a9fe]", "link-local"),  # NAT64 to 169.254.169.254
        ("0.0.0.0", "unspecified"),
        ("[::]", "unspecified"),
        ("169.254.169.254", "link-local"),
        ("[fe80::1]", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("[fc00::1]", "private"),
        ("[fd12:3456::1]", "private"),
        ("224.0.0.251", "multicast"),
        ("[ff02::1]", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
    ],
)
def test_private_link_local_multicast_reserved_and_unspecified_are_refused(
    host: str, kind: str
) -> None:
    with pytest.raises(AddressRefused, match=f"is an? {kind} address"):
        fetch(f"http://{host}/feed.xml", limits=LIMITS, access=STRICT)


def test_a_public_looking_name_that_resolves_to_loopback_is_refused(
    feed: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_dns(monkeypatch, {"blog.example.org": ["127.0.0.1"]})
    with pytest.raises(AddressRefused, match=r"blog\.example\.org \(127\.0\.0\.1\) is a loopback"):
        fetch(f"http://blog.example.org:{_port(feed)}/f", limits=LIMITS, access=STRICT)
    assert feed.requests_to("/f") == []


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_dns(monkeypatch, {"blog.example.org": ["93.184.216.34", "10.0.0.8"]})
    with pytest.raises(AddressRefused, match=r"\(10\.0\.0\.8\) is a private address"):
        fetch("http://blog.example.org/feed.xml", limits=LIMITS, access=STRICT)


def test_the_connection_goes_to_the_checked_address_under_the_feed_s_own_name(
    feed: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No real DNS knows this name: the fetch works only by connecting to the
    # address the guard resolved, and resolves it once.
    asked = _fake_dns(monkeypatch, {"blog.example.org": ["93.184.216.34>127.0.0.1"]})
    got = fetch(f"http://blog.example.org:{_port(feed)}/f", limits=LIMITS, access=STRICT)
    assert got.body
    assert asked == ["blog.example.org"]
    (seen,) = feed.requests_to("/f")
    assert seen.headers["host"] == f"blog.example.org:{_port(feed)}"


def test_a_redirect_to_a_private_address_is_refused_at_that_hop(
    feed: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_dns(monkeypatch, {"blog.example.org": ["93.184.216.34>127.0.0.1"]})
    feed.serve("/moved", Route(redirect=f"http://127.0.0.1:{_port(feed)}/f"))
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1 is a loopback address"):
        fetch(f"http://blog.example.org:{_port(feed)}/moved", limits=LIMITS, access=STRICT)
    assert len(feed.requests_to("/moved")) == 1
    assert feed.requests_to("/f") == []


def test_a_redirect_to_the_metadata_service_is_refused(
    feed: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_dns(monkeypatch, {"blog.example.org": ["93.184.216.34>127.0.0.1"]})
    feed.serve("/moved", Route(redirect="http://169.254.169.254/latest/meta-data/"))
    with pytest.raises(AddressRefused, match="link-local"):
        fetch(f"http://blog.example.org:{_port(feed)}/moved", limits=LIMITS, access=STRICT)


def test_a_redirect_to_a_file_is_refused_even_when_files_are_allowed(
    feed: FeedServer, tmp_path: Path
) -> None:
    (tmp_path / "secret").write_text("s3cret")
    feed.serve("/moved", Route(redirect=(tmp_path / "secret").as_uri()))
    with pytest.raises(FetchError, match="unsupported URL"):
        fetch(
            feed.url("/moved"),
            limits=LIMITS,
            access=Access(allow_private_addresses=True, allow_files=True),
        )


def test_a_file_url_is_refused_naming_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(rss(items(1)))
    with pytest.raises(AddressRefused, match=r"feeds\.allow_files"):
        fetch(path.as_uri(), limits=LIMITS, access=STRICT)


def test_a_fifo_is_never_opened_when_files_are_off(tmp_path: Path) -> None:
    fifo = tmp_path / "feed.fifo"
    os.mkfifo(fifo)  # opening it would block until a writer came
    with pytest.raises(AddressRefused):
        fetch(fifo.as_uri(), limits=LIMITS, access=STRICT)


def test_a_file_url_is_read_when_the_setting_allows(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(rss(items(1)))
    assert fetch(path.as_uri(), limits=LIMITS, access=Access(allow_files=True)).body


def test_the_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher.context.settings import Settings

    assert Access.of(Settings()) == STRICT
    monkeypatch.setenv("OYEZ_FEEDS__ALLOW_PRIVATE_ADDRESSES", "true")
    monkeypatch.setenv("OYEZ_FEEDS__ALLOW_FILES", "true")
    assert Access.of(Settings()) == Access(allow_private_addresses=True, allow_files=True)


@pytest.mark.parametrize(
    ("url", "setting"),
    [
        ("http://127.0.0.1:{port}/f", "feeds.allow_private_addresses"),
        ("http://[::1]:{port}/f", "feeds.allow_private_addresses"),
        ("file:///etc/passwd", "feeds.allow_files"),
    ],
)
def test_feeds_add_refuses_with_one_line_naming_the_setting(
    db_url: str, tmp_path: Path, feed: FeedServer, url: str, setting: str
) -> None:
    cli_add_outbox(db_url, "news", tmp_path / "out")
    code, _out, err = oyez(db_url, "feeds", "add", url.format(port=_port(feed)), "--to", "news")
    assert code != 0
    assert setting in err
    assert len(err.strip().splitlines()) == 1
    assert oyez(db_url, "feeds", "list", "--json")[1].strip() == "[]"


def test_tickets_feed_add_refuses_a_private_address_and_a_file(
    db_url: str, tmp_path: Path, feed: FeedServer
) -> None:
    cli_add_outbox(db_url, "news", tmp_path / "out")
    assert oyez(db_url, "tickets", "config", "--to", "news")[0] == 0
    for url, setting in [
        (feed.url("/f"), "feeds.allow_private_addresses"),
        ("file:///etc/passwd", "feeds.allow_files"),
    ]:
        code, _, err = oyez(db_url, "tickets", "feed", "add", url)
        assert code != 0
        assert setting in err, err
        assert len(err.strip().splitlines()) == 1


def test_a_subscribed_feed_is_refused_at_poll_time_once_the_setting_is_off(
    db_url: str, feed: FeedServer, ctx: Context
) -> None:
    opened = make_context(db_url, feeds={"allow_private_addresses": True})
    try:
        add_feed(opened, feed.url("/f"), ["blog-out"], limits=LIMITS)
    finally:
        opened.close()
    (result,) = poll_feeds(ctx, limits=LIMITS)  # ctx: the settings are off
    assert result.status == "error"
    assert result.error is not None
    assert "feeds.allow_private_addresses" in result.error
    assert len(feed.requests_to("/f")) == 1  # only the subscription's own fetch


@pytest.fixture
def tls_feed(tmp_path: Path) -> Iterator[tuple[FeedServer, Authority, list[str | None]]]:
    """An HTTPS feed server on 127.0.0.1 with a certificate for blog.example.org only."""
    authority = Authority.new()
    context = authority.server_context("blog.example.org", tmp_path)
    sni: list[str | None] = []
    context.sni_callback = lambda _sock, name, _ctx: sni.append(name)
    server = FeedServer()
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.serve("/f", Route(body=rss(items(1))))
    with server:
        yield server, authority, sni


def test_tls_to_the_pinned_address_sends_the_name_and_checks_the_certificate_for_it(
    tls_feed: tuple[FeedServer, Authority, list[str | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, authority, sni = tls_feed
    _fake_dns(monkeypatch, {"blog.example.org": ["93.184.216.34>127.0.0.1"]})
    transport = GuardedTransport(STRICT, authority.client_context())
    with httpx.Client(transport=transport) as client:
        got = fetch(f"https://blog.example.org:{_port(server)}/f", client=client, access=STRICT)
        assert got.body
        assert sni == ["blog.example.org"]
        (seen,) = server.requests_to("/f")
        assert seen.headers["host"] == f"blog.example.org:{_port(server)}"
        # The certificate names blog.example.org: under another name that
        # resolves to the same address, the check fails.
        _fake_dns(monkeypatch, {"other.example.org": ["93.184.216.34>127.0.0.1"]})
        with pytest.raises(FetchError, match=r"cannot connect: .*(certificate|hostname)"):
            fetch(f"https://other.example.org:{_port(server)}/f", client=client, access=STRICT)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "64:ff9b::5db8:d822"])
def test_public_addresses_pass_the_check(address: str) -> None:
    assert addresses.kind(ipaddress.ip_address(address)) is None
