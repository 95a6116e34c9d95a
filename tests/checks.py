"""Header checks that many tests make, in one place.

Each takes a Django test client response or a tests/servers.py Response (a
real server's answer, through the CDN or not), and an optional `what` to
name the response in the failure message.
"""

from tests.servers import Response


def headers_of(response) -> dict[str, list[str]]:
    """Every header as it goes on the wire: lower-case name → its values.
    A Django response keeps its cookies apart from its headers; they are
    Set-Cookie lines here."""
    if isinstance(response, Response):
        return {name: response.headers.get_all(name) for name in response.headers}
    found: dict[str, list[str]] = {}
    for name, value in response.items():
        found.setdefault(name.lower(), []).append(value)
    for cookie in response.cookies.values():
        found.setdefault("set-cookie", []).append(cookie.output(header="").strip())
    return found


def cache_directives(response) -> set[str]:
    """Cache-Control's directive names, lower case, without values."""
    return {
        directive.split("=", 1)[0].strip().lower()
        for value in headers_of(response).get("cache-control", [])
        for directive in value.split(",")
        if directive.strip()
    }


def assert_sets_no_cookie(response, what: str = "") -> None:
    """No Set-Cookie and no Vary: Cookie: whatever cookies the request had,
    the answer is the same, and a cache may give it to anybody."""
    headers = headers_of(response)
    assert "set-cookie" not in headers, (what, headers.get("set-cookie"))
    vary = {
        field.strip().lower() for value in headers.get("vary", []) for field in value.split(",")
    }
    assert "cookie" not in vary, (what, headers.get("vary"))


def assert_shared(response, what: str = "") -> None:
    """A response every shared cache may keep and give to every reader:
    public, neither private nor no-store, no cookie, no Vary: Cookie."""
    directives = cache_directives(response)
    assert "public" in directives, (what, headers_of(response).get("cache-control"))
    assert not {"private", "no-store"} & directives, (what, directives)
    assert_sets_no_cookie(response, what)
