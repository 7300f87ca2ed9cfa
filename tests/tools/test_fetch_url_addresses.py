"""fetch_url refuses every spelling of a non-public address, decided on the address it connects to.

Loopback spellings point at a real server on loopback: a refusal must leave it with no request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from ponder.tools.builtin import fetch_url as fetch_module
from ponder.tools.builtin._netguard import (
    AddressPolicy,
    BlockedURL,
    IPAddress,
    parse_address,
    why_not_public,
)
from ponder.tools.builtin.fetch_url import FetchError, fetch, fetch_url_tools
from ponder.tools.settings import ToolSettings
from tests.tools.address_spellings import LOOPBACK_SPELLINGS, OTHER_PRIVATE, PUBLIC
from tests.tools.conftest import Site


def strict() -> ToolSettings:
    return ToolSettings(fetch_timeout=3)


@pytest.fixture
def v6_site() -> Iterator[Site]:
    server = Site("::1")
    yield server
    server.close()


def _url(spelling: str, site: Site, v6_site: Site) -> str:
    port = v6_site.port if spelling.startswith("[") and ("::1" in spelling or spelling in ("[::]", "[0:0:0:0:0:0:0:1]")) else site.port
    return f"http://{spelling}:{port}/admin"


@pytest.mark.parametrize("spelling", LOOPBACK_SPELLINGS)
def test_every_spelling_of_loopback_is_refused_and_nothing_is_sent(spelling: str, site: Site, v6_site: Site) -> None:
    site.page("/admin", "secret admin page")
    v6_site.page("/admin", "secret admin page")
    with pytest.raises(BlockedURL, match=r"is a (loopback|unspecified|deprecated IPv4-compatible) address"):
        fetch_url_tools(strict())[0].invoke({"url": _url(spelling, site, v6_site)})
    assert site.hits == [] and v6_site.hits == []


@pytest.mark.parametrize("spelling", LOOPBACK_SPELLINGS)
def test_the_connection_layer_alone_refuses_every_spelling_of_loopback(
    spelling: str, site: Site, v6_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the URL check out of the way, the address connected to is still judged."""
    site.page("/admin", "secret admin page")
    v6_site.page("/admin", "secret admin page")
    monkeypatch.setattr(fetch_module, "check_url", lambda url, **_: "")
    with pytest.raises((BlockedURL, FetchError)) as caught:
        fetch(_url(spelling, site, v6_site), settings=strict())
    assert site.hits == [] and v6_site.hits == []
    if isinstance(caught.value, FetchError):  # only a URL httpx itself will not parse may end here
        assert "InvalidURL" in str(caught.value)


@pytest.mark.parametrize("spelling, kind", OTHER_PRIVATE.items())
def test_every_private_link_local_shared_multicast_and_reserved_form_is_refused(spelling: str, kind: str) -> None:
    with pytest.raises(BlockedURL, match=re.escape(f"is a {kind} address")):
        fetch_url_tools(strict())[0].invoke({"url": f"http://{spelling}/"})


@pytest.mark.parametrize("spelling, kind", OTHER_PRIVATE.items())
def test_the_connection_layer_alone_refuses_every_private_form(spelling: str, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "check_url", lambda url, **_: "")
    try:
        fetch(f"http://{spelling}/", settings=strict())
    except BlockedURL as exc:
        assert f"is a {kind} address" in str(exc)
    except FetchError as exc:  # httpx refused to parse the URL: nothing was sent either
        assert "InvalidURL" in str(exc)
    else:
        pytest.fail(f"{spelling} was fetched")


@pytest.mark.parametrize("spelling", PUBLIC)
def test_public_addresses_in_any_spelling_are_judged_public(spelling: str) -> None:
    address = parse_address(spelling)
    assert address is not None and why_not_public(address) is None


def test_a_name_that_resolves_to_loopback_is_refused(site: Site) -> None:
    site.page("/", "admin")
    for host in ("localhost", "LOCALHOST"):
        with pytest.raises(BlockedURL, match=f"(?i)'{re.escape(host)}' is a loopback address"):
            fetch_url_tools(strict())[0].invoke({"url": f"http://{host}:{site.port}/"})
    with pytest.raises(BlockedURL):  # loopback where the resolver knows the name, unresolvable here
        fetch_url_tools(strict())[0].invoke({"url": f"http://localhost.:{site.port}/"})
    assert site.hits == []


def resolver(table: dict[str, list[list[str]]]) -> AddressPolicy:
    """A test resolver: each name answers the next list of addresses in turn (the last one repeats)."""

    def resolve(host: str, port: int) -> list[str]:
        answers = table[host]
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return AddressPolicy(resolve=resolve)


def test_a_name_resolving_to_loopback_is_refused_on_the_connection(site: Site) -> None:
    site.page("/", "internal admin page")
    policy = resolver({"rebind.example": [["127.0.0.1"]]})
    with pytest.raises(BlockedURL, match="'rebind.example' is a loopback address"):
        fetch(f"http://rebind.example:{site.port}/", settings=strict(), policy=policy)
    assert site.hits == []


def test_dns_rebinding_gains_nothing_each_connection_is_judged_on_its_own_answer(site: Site) -> None:
    """First answer public, then loopback: the first connection goes to the public address it was
    judged on (the tests' network guard refuses it), the second is refused before connecting."""
    site.page("/", "internal admin page")
    policy = resolver({"rebind.example": [["93.184.216.34"], ["127.0.0.1"]]})
    with pytest.raises(FetchError, match="not 93.184.216.34"):
        fetch(f"http://rebind.example:{site.port}/", settings=strict(), policy=policy)
    with pytest.raises(BlockedURL, match="loopback"):
        fetch(f"http://rebind.example:{site.port}/", settings=strict(), policy=policy)
    assert site.hits == []


def test_a_name_with_one_private_address_among_public_ones_is_refused(site: Site) -> None:
    policy = resolver({"mixed.example": [["93.184.216.34", "2606:4700::1", "127.0.0.1"]]})
    with pytest.raises(BlockedURL, match="loopback"):
        fetch(f"http://mixed.example:{site.port}/", settings=strict(), policy=policy)
    assert site.hits == []


@pytest.fixture
def other_site() -> Iterator[Site]:
    server = Site("127.0.0.2")
    yield server
    server.close()


def test_redirects_to_private_addresses_are_refused_at_every_hop(site: Site, other_site: Site, v6_site: Site) -> None:
    """The first server counts as public for this test; every hop it redirects to is judged for real."""

    def judge(ip: IPAddress) -> str | None:
        return None if str(ip) == "127.0.0.1" else why_not_public(ip)

    policy = AddressPolicy(judge=judge)
    other_site.page("/", "internal")
    v6_site.page("/", "internal")
    targets = [
        f"http://127.0.0.2:{other_site.port}/",
        f"http://2130706434:{other_site.port}/",
        f"http://0x7f.2:{other_site.port}/",
        f"http://[::ffff:127.0.0.2]:{other_site.port}/",
        f"http://[::1]:{v6_site.port}/",
        f"http://0.0.0.0:{site.port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/",
    ]
    site.page("/ok", "public page")
    site.redirect("/fine", "/ok")
    assert fetch(f"{site.url}/fine", settings=strict(), policy=policy).body == b"public page"
    for i, target in enumerate(targets):
        site.redirect(f"/r{i}", target)
        with pytest.raises(BlockedURL):
            fetch(f"{site.url}/r{i}", settings=strict(), policy=policy)
    assert other_site.hits == [] and v6_site.hits == []


def test_allowing_private_addresses_still_reaches_loopback(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    site.page("/", "<p>local dev server</p>")
    monkeypatch.setenv("PONDER_FETCH_ALLOW_PRIVATE", "1")
    tool = fetch_url_tools(ToolSettings.configured())[0]
    assert tool.invoke({"url": f"http://localhost:{site.port}/"}).endswith("local dev server")
    assert tool.invoke({"url": f"http://2130706433:{site.port}/"}).endswith("local dev server")
