"""The header checks (tests/checks.py) on a real server's answer see every
header line: a repeated Vary, Set-Cookie or Cache-Control line is a second
line on the wire, and a check that kept only the last one would pass an
answer that a shared cache must not keep (issue 24).

A loopback server answers with the lines a test names, as an origin or a
CDN that adds its own line would.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.checks import assert_sets_no_cookie, assert_shared, cache_directives
from tests.servers import get


class Answer(BaseHTTPRequestHandler):
    lines: list[tuple[str, str]] = []

    def do_GET(self):
        self.send_response(200)
        for name, value in self.lines:
            self.send_header(name, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def answering():
    """A port whose answers carry the given header lines, in that order."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def answer_with(*lines: tuple[str, str]) -> int:
        Answer.lines = list(lines)
        return server.server_address[1]

    yield answer_with
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_a_vary_cookie_on_an_earlier_line_makes_an_answer_unshared(answering):
    port = answering(
        ("Cache-Control", "public, max-age=60"),
        ("Vary", "Cookie"),
        ("Vary", "Accept-Encoding"),
    )

    answer = get(port, "/")

    with pytest.raises(AssertionError):
        assert_shared(answer)
    assert answer.headers["vary"] == "Cookie, Accept-Encoding"


def test_a_set_cookie_on_an_earlier_line_is_seen_and_every_cookie_is_kept(answering):
    port = answering(
        ("Cache-Control", "public, max-age=60"),
        ("Set-Cookie", "csrftoken=abc; Path=/; Secure"),
        ("Set-Cookie", "sessionid=def; HttpOnly; Path=/; Secure"),
    )

    answer = get(port, "/")

    with pytest.raises(AssertionError):
        assert_sets_no_cookie(answer)
    assert [line.split("=", 1)[0] for line in answer.headers.get_all("Set-Cookie")] == [
        "csrftoken",
        "sessionid",
    ]


def test_a_private_on_a_second_cache_control_line_counts(answering):
    port = answering(
        ("Cache-Control", "public, max-age=60"),
        ("Cache-Control", "private"),
    )

    answer = get(port, "/")

    assert cache_directives(answer) == {"public", "max-age", "private"}
    with pytest.raises(AssertionError):
        assert_shared(answer)


def test_headers_are_found_in_any_case_and_a_missing_one_is_absent(answering):
    port = answering(("Cache-Control", "public, max-age=60"), ("X-Cache", "HIT"))

    answer = get(port, "/")

    assert answer.headers["X-CACHE"] == answer.headers["x-cache"] == "HIT"
    assert "x-cache" in answer.headers and "age" not in answer.headers
    assert answer.headers.get("age") is None and answer.headers.get_all("age") == []
    assert_shared(answer)
