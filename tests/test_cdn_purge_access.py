"""Who may purge Varnish, and ask it for /healthz: the application's servers
with the purge token, at their own pace; nobody else, not even a reader who
reaches Varnish through a TLS terminator or TCP forwarder on its own host
and so arrives from 127.0.0.1 (issue 17, item 2).

Varnish with deploy/varnish.vcl in front of gunicorn on an SQLite file; each
test has a Varnish of its own, as purges are limited per client address.
"""

import http.client
import socket
import threading

import pytest

from liveblog import purge
from tests.servers import (
    Response,
    get,
    start_stack,
)

pytestmark = pytest.mark.servers

# The limit the VCL puts on purges per client per 10 s.
PURGE_LIMIT = 200


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("purge-access")
    database = f"sqlite:///{folder}/db.sqlite3"
    with start_stack(folder, database_url=database, migrate=True, workers=1, cdn=False) as stack:
        yield stack


@pytest.fixture
def cdn(stack):
    with stack.another_cdn() as cdn:
        yield cdn


class Forwarder:
    """A plain TCP forwarder on this host, as a TLS terminator without the
    PROXY protocol is: readers reach it on 127.0.0.2, and it connects to
    Varnish from 127.0.0.1, the address the VCL's ACLs list."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.2", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.accept, daemon=True)

    def accept(self):
        while True:
            try:
                reader, _ = self.listener.accept()
            except OSError:  # closed: the test is over
                return
            upstream = socket.create_connection(
                ("127.0.0.1", self.target_port), timeout=10, source_address=("127.0.0.1", 0)
            )
            for source, sink in ((reader, upstream), (upstream, reader)):
                threading.Thread(target=self.pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def pump(source: socket.socket, sink: socket.socket):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def request(self, path: str, headers: dict | None = None, method: str = "GET") -> Response:
        connection = http.client.HTTPConnection(
            "127.0.0.2", self.port, timeout=10, source_address=("127.0.0.3", 0)
        )
        try:
            connection.request(
                method, path, headers={"Host": "live.example.com", **(headers or {})}
            )
            response = connection.getresponse()
            return Response(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.listener.close()


def cached_index(cdn) -> bool:
    """Asks for / twice: True if the second answer came from the cache."""
    get(cdn.port, "/")
    return get(cdn.port, "/").headers["x-cache"] == "HIT"


def test_a_reader_behind_a_forwarder_on_the_cdns_host_cannot_purge(cdn):
    assert cached_index(cdn)

    with Forwarder(cdn.port) as forwarder:
        one = forwarder.request("/", {"xkey-purge": "index"}, method="PURGE")
        storm = [
            forwarder.request("/", {"xkey-purge": "index"}, method="PURGE").status
            for _ in range(200)
        ]

    assert one.status == 403
    assert storm.count(200) == 0
    assert get(cdn.port, "/").headers["x-cache"] == "HIT"


def test_a_reader_behind_a_forwarder_on_the_cdns_host_gets_no_health_answer(cdn):
    with Forwarder(cdn.port) as forwarder:
        through_forwarder = forwarder.request("/healthz")

    assert through_forwarder.status == 404
    # The load balancer's own check, with the token, still gets its answer.
    assert get(cdn.port, "/healthz", cdn.token_header).status == 200


def test_an_address_outside_the_health_checkers_gets_no_health_answer_even_with_the_token(cdn):
    stranger = get(cdn.port, "/healthz", cdn.token_header, source="127.0.8.3")

    assert stranger.status == 404 and stranger.body == b"Not Found\n"
    assert "no-store" in stranger.headers["cache-control"]


def test_the_application_purges_with_its_token_and_nothing_else_does(cdn):
    url = f"http://127.0.0.1:{cdn.port}"
    assert cached_index(cdn)

    wrong_token = get(cdn.port, "/", {"xkey-purge": "index", "X-Liveblog-Token": "x" * 43},
                      method="PURGE")  # fmt: skip
    no_token = get(cdn.port, "/", {"xkey-purge": "index"}, method="PURGE")
    stranger = get(cdn.port, "/", {"xkey-purge": "index", **cdn.token_header},
                   method="PURGE", source="127.0.8.2")  # fmt: skip
    assert (wrong_token.status, no_token.status, stranger.status) == (403, 403, 405)
    assert get(cdn.port, "/").headers["x-cache"] == "HIT"

    purge.Varnish(url, cdn.purge_token).purge([purge.INDEX_TAG])

    assert get(cdn.port, "/").headers["x-cache"] == "MISS"


def test_purges_from_one_client_are_limited_and_the_rest_get_429(cdn):
    purge_request = {"xkey-purge": "index", **cdn.token_header}

    answers = [get(cdn.port, "/", purge_request, method="PURGE") for _ in range(PURGE_LIMIT + 50)]

    statuses = [answer.status for answer in answers]
    assert statuses[:PURGE_LIMIT] == [200] * PURGE_LIMIT
    assert set(statuses[PURGE_LIMIT:]) == {429}
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 11


@pytest.mark.parametrize("token", ["", "only-31-characters-long-0123456"])
def test_a_varnish_without_a_long_enough_token_refuses_every_purge_and_health_check(stack, token):
    with stack.another_cdn(purge_token=token) as cdn:
        purged = get(cdn.port, "/", {"xkey-purge": "index", "X-Liveblog-Token": token},
                     method="PURGE")  # fmt: skip
        health = get(cdn.port, "/healthz", {"X-Liveblog-Token": token})

    assert (purged.status, health.status) == (403, 404)
