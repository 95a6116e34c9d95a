"""The origin's access log (liveblog/access_log.py): gunicorn's own lines,
byte for byte, without building gunicorn's dictionary of every header
(issue 25). The servers' tests read these lines too (tests/servers.py)."""

import base64
import datetime
import logging
import logging.config
import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from gunicorn.config import Config
from gunicorn.glogging import Logger

from liveblog.access_log import ACCESS_LOG_FORMAT, AccessLogger

NOW = "[26/Nov/2026:07:40:00 +0000]"


def logger(cls, path, access_log_format=ACCESS_LOG_FORMAT):
    # gunicorn's access logger as in a worker: pytest's capture adds its
    # handlers to it, and the fast path is only for gunicorn's own one.
    logging.getLogger("gunicorn.access").handlers = []
    config = Config()
    config.set("accesslog", str(path))
    config.set("access_log_format", access_log_format)
    return cls(config)


def environ(**overrides) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/entries/keynote/updates.json?since=12",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "PATH_INFO": "/entries/keynote/updates.json",
        "QUERY_STRING": "since=12",
        "HTTP_USER_AGENT": "Mozilla/5.0",
        **overrides,
    }


def answer(status="200 OK", sent=102):
    return SimpleNamespace(status=status, sent=sent, headers=[("Content-Type", "text/html")])


def request(*headers):
    return SimpleNamespace(headers=list(headers))


BASIC = "Basic " + base64.b64encode(b"editor:secret").decode()

CASES = [
    (answer(), request(), environ()),
    (
        answer("304 Not Modified", 0),
        request(("X-FORWARDED-FOR", "203.0.113.9, 127.0.0.1"), ("HOST", "live.example.com")),
        environ(HTTP_REFERER="https://live.example.com/", REQUEST_METHOD="HEAD"),
    ),
    # Quotes where a field is quoted; a repeated header, of which gunicorn keeps the last.
    (
        answer(),
        request(("X-FORWARDED-FOR", "198.51.100.1"), ("X-FORWARDED-FOR", '"forged" 1.2.3.4')),
        environ(HTTP_USER_AGENT='Bot "quoted"', RAW_URI='/x?"y"', HTTP_REFERER='"r"'),
    ),
    (answer(sent=None), request(), environ(HTTP_AUTHORIZATION=BASIC, HTTP_USER_AGENT="")),
    (answer(400, 11), request(), environ(HTTP_AUTHORIZATION="Basic !!", REMOTE_ADDR="::1")),
]


def write_each_case(log, cases=CASES):
    for resp, req, env in cases:
        log.access(resp, req, env, datetime.timedelta(seconds=1, microseconds=2345))


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(time, "strftime", lambda fmt, *args: NOW)


@pytest.fixture(autouse=True)
def gunicorns_handlers_kept():
    access = logging.getLogger("gunicorn.access")
    handlers = access.handlers
    yield
    access.handlers = handlers


def test_its_lines_are_byte_for_byte_gunicorns(tmp_path):
    write_each_case(logger(Logger, tmp_path / "gunicorn.log"))
    write_each_case(logger(AccessLogger, tmp_path / "ours.log"))

    ours = (tmp_path / "ours.log").read_bytes()
    assert ours == (tmp_path / "gunicorn.log").read_bytes()
    assert ours.count(b"\n") == len(CASES)
    assert b'"\\"forged\\" 1.2.3.4"' in ours
    assert b" - editor " in ours


def test_it_writes_them_without_gunicorns_dictionary_of_every_header(tmp_path):
    log = logger(AccessLogger, tmp_path / "ours.log")

    with mock.patch.object(Logger, "atoms", side_effect=AssertionError("built")) as atoms:
        write_each_case(log)

    assert atoms.call_count == 0


def test_lines_still_reach_the_file_after_django_applies_its_logging_settings(tmp_path):
    # In a worker, the application loads after gunicorn set up its log, and
    # dictConfig closes every handler there is.
    log = logger(AccessLogger, tmp_path / "ours.log")
    write_each_case(log, CASES[:1])

    logging.config.dictConfig(settings.LOGGING)
    write_each_case(log, CASES[1:])

    write_each_case(logger(Logger, tmp_path / "gunicorn.log"))
    ours = (tmp_path / "ours.log").read_bytes()
    assert ours == (tmp_path / "gunicorn.log").read_bytes()
    assert ours.count(b"\n") == len(CASES)


def test_another_format_is_left_to_gunicorn(tmp_path):
    log_format = '%(h)s "%(r)s" %(s)s %({content-type}o)s %(p)s'
    write_each_case(logger(Logger, tmp_path / "gunicorn.log", log_format))
    write_each_case(logger(AccessLogger, tmp_path / "ours.log", log_format))

    assert (tmp_path / "ours.log").read_text() == (tmp_path / "gunicorn.log").read_text()
    assert "text/html" in (tmp_path / "ours.log").read_text()
