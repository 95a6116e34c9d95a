"""Real servers for the deployment tests: PostgreSQL, gunicorn, Varnish and Pushpin.

Each listens on 127.0.0.1 on a free port, keeps its files in a temporary
folder, and is stopped when its `with` block ends. Nothing here talks to
anything but loopback. `start_stack` starts the three together, as
production runs them; the server tests, `make bench` and scripts/ all use it.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests.tools import missing

PROJECT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
VARNISHD = Path("/usr/sbin/varnishd")
PUSHPIN = Path("/usr/bin/pushpin")
# deploy/varnish.vcl rate-limits with vsthrottle (Debian's varnish-modules).
VSTHROTTLE = next(Path("/usr/lib").glob("*/varnish/vmods/libvmod_vsthrottle.so"), None)
# ...and purges by tag with xkey, from the same package.
XKEY = next(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so"), None)


def require(path: Path, install: str) -> None:
    """Skip locally, fail in CI, when a server binary is missing."""
    if not path.exists():
        missing(f"needs {path} ({install})")


def require_varnish() -> None:
    """Skip locally, fail in CI, without varnishd and the VMODs the VCL imports."""
    require(VARNISHD, "apt-get install varnish")
    if VSTHROTTLE is None or XKEY is None:
        missing("needs vsthrottle and xkey (apt-get install varnish-modules)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def settled(read, quiet: float = 1.0, timeout: float = 15):
    """What `read()` returns once it has stayed the same for `quiet` seconds.

    gunicorn logs a request just after answering it, and a request the CDN
    sent again is logged later still: a count read at once may miss it.
    """
    deadline = time.monotonic() + timeout
    value, since = read(), time.monotonic()
    while time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, f"still changing after {timeout}s: {value!r}"
        time.sleep(0.1)
        latest = read()
        if latest != value:
            value, since = latest, time.monotonic()
    return value


class Headers(Mapping):
    """Every header line of an answer, in the order it came.

    A dict of lines keeps one per name: a second Vary, Set-Cookie or
    Cache-Control line would hide the first, and a check could pass on
    what it never saw. Names match in any case; `headers[name]` joins a
    repeated field's values with ", " (RFC 9110, 5.3), and `get_all` gives
    them line by line, as Set-Cookie needs.
    """

    def __init__(self, lines: Iterable[tuple[str, str]]):
        self.lines = [(name.lower(), value) for name, value in lines]

    def get_all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.lines if key == name]

    def __getitem__(self, name: str) -> str:
        values = self.get_all(name)
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self.lines))

    def __len__(self) -> int:
        return len(dict.fromkeys(name for name, _ in self.lines))

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and bool(self.get_all(name))

    def __repr__(self) -> str:
        return f"Headers({self.lines!r})"


class Response:
    def __init__(
        self, status: int, headers: Mapping[str, str] | Iterable[tuple[str, str]], body: bytes
    ):
        self.status = status
        # http.client's getheaders() (every line), or a mapping.
        self.headers = Headers(headers.items() if isinstance(headers, Mapping) else headers)
        self.body = body

    def json(self):
        return json.loads(self.body)


# The servers run with the production ALLOWED_HOSTS; requests name the site.
SITE = "live.example.com"


def get(
    port: int,
    path: str,
    headers: dict | None = None,
    timeout: float = 10,
    *,
    method: str = "GET",
    body: bytes | None = None,
    source: str | None = None,
) -> Response:
    """One request on a new connection, from `source` (another loopback
    address, such as 127.0.0.7) when given: the CDN counts each address apart."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        connection.request(method, path, body=body, headers={"Host": SITE, **(headers or {})})
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


class Connection:
    """One keep-alive connection for many requests in a row, from `source`."""

    def __init__(self, port: int, source: str | None = None, timeout: float = 10):
        self.port, self.source, self.timeout = port, source, timeout
        self.connection = None

    def get(self, path: str, headers: dict | None = None) -> Response:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1",
                    self.port,
                    timeout=self.timeout,
                    source_address=(self.source, 0) if self.source else None,
                )
            try:
                self.connection.request("GET", path, headers={"Host": SITE, **(headers or {})})
                response = self.connection.getresponse()
                return Response(response.status, response.getheaders(), response.read())
            except (http.client.HTTPException, OSError):
                # The server closed the idle connection: once more on a new one.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def answers(port: int, path: str = "/healthz", headers: dict | None = None):
    try:
        # By IP, as load balancers and Varnish's probe ask.
        return get(port, path, {"Host": "127.0.0.1", **(headers or {})}, timeout=2).status == 200
    except OSError:
        return False


def run(command: list[str], timeout: float = 120) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{command[0:5]} failed: {result.stdout}{result.stderr}"
    return result.stdout


def as_postgres(command: list[str]) -> list[str]:
    # The server refuses to run as root; CI and the developers' machines are root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresCluster:
    """A throwaway PostgreSQL 15 cluster that a test can stop and start."""

    def __init__(self):
        require(PG_BIN / "initdb", "apt-get install postgresql-15")
        # Its own folder right under /tmp: pytest's are private to root,
        # and the server runs as `postgres`.
        self.folder = Path(tempfile.mkdtemp(prefix="liveblog-test-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        run(
            as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-locale",
                    "--encoding",
                    "UTF8",
                ]
            )
        )

    def url(self, database: str = "liveblog") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self):
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
        run(
            as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.folder / "log"),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            )
        )

    def stop(self, mode: str = "fast"):
        subprocess.run(
            as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            capture_output=True,
            timeout=90,
        )

    def create_database(self, name: str):
        run(
            as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1",
                         "-p", str(self.port), "-U", "postgres", name])
        )  # fmt: skip

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def database_url(settings_dict: dict) -> str:
    """The URL of a Django database, for servers that share the test database."""
    return "postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(
        **{k: settings_dict[k] or "" for k in ("USER", "PASSWORD", "HOST", "PORT", "NAME")}
    )


def production_environment(database_url: str, static_root: Path) -> dict:
    """The environment docs/deploy.md asks for, on loopback and plain HTTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=SITE,
        DATABASE_URL=database_url,
        STATIC_ROOT=str(static_root),
        # No TLS on loopback: the HTTPS redirect would send every request away.
        SECURE_SSL_REDIRECT="false",
    )
    return env


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def children_of(pid: int) -> set[int]:
    """The processes whose parent is `pid` (gunicorn's workers, varnishd's child)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py, its access log kept for counting."""

    def __init__(self, env: dict, folder: Path, workers: int = 2):
        self.port = free_port()
        self.access_log = folder / "gunicorn-access.log"
        self.error_log = folder / "gunicorn-error.log"
        # What the application itself logs (to standard error).
        self.output = folder / "gunicorn-output.log"
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_ACCESS_LOG": str(self.access_log),
            "GUNICORN_ERROR_LOG": str(self.error_log),
        }
        self.process = None

    def __enter__(self):
        with self.output.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "liveblog.wsgi"],
                cwd=PROJECT, env=self.env, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            wait_until(
                lambda: self.process.poll() is not None or answers(self.port), 60, "gunicorn"
            )
            assert self.process.poll() is None, self.error_log.read_text()
        except BaseException:
            # __exit__ is not called when __enter__ fails: stop the master
            # (and so its workers) here, or they outlive the test run.
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def worker_pids(self) -> set[int]:
        return children_of(self.process.pid)

    def worker_with_local_port(self, port: int) -> int | None:
        """The worker with a socket on this local port (its end of a
        connection to PostgreSQL, say), from /proc."""
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
        for pid in self.worker_pids():
            for fd in Path(f"/proc/{pid}/fd").glob("*"):
                try:
                    if os.readlink(fd) in inodes:
                        return pid
                except OSError:  # closed meanwhile
                    continue
        return None

    def answered(self, path_pattern: str, method: str = "GET") -> list[tuple[str, int]]:
        """(target, status) of each logged request whose path matches the pattern."""
        line = rf'"{method} (\S+) HTTP/[0-9.]+" (\d+)'
        found = re.findall(line, self.access_log.read_text())
        return [
            (target, int(status)) for target, status in found if re.search(path_pattern, target)
        ]

    def requests(self, path_pattern: str, method: str = "GET") -> list[str]:
        """Request targets from the access log whose path matches the pattern."""
        line = rf'"{method} (\S+) HTTP/[0-9.]+"'
        targets = re.findall(line, self.access_log.read_text())
        return [target for target in targets if re.search(path_pattern, target)]


class Varnish:
    """varnishd with the project's deploy/varnish.vcl in front of a backend port.

    `first_byte_timeout` (such as "2s") replaces the backend's, for a test
    that needs the origin to be slower than it without waiting 30 s.
    `tls_terminators` (addresses) fills that ACL, for a test that plays the
    TLS terminator. It reads its purge token from the environment as
    docs/deploy.md says (`purge_token`, random unless given; `token_header`
    to send it); the application gets it from `purging_env()`.
    """

    # As docs/deploy.md's command line: Transient storage (passed request
    # bodies, short-lived objects) capped, room for one full desk post.
    TRANSIENT = "256m"

    def __init__(
        self,
        backend_port: int,
        first_byte_timeout: str | None = None,
        tls_terminators: tuple[str, ...] = (),
        purge_token: str | None = None,
        pushpin_port: int | None = None,
    ):
        require_varnish()
        self.port = free_port()
        # Its own folder right under /tmp: its worker process drops root.
        self.folder = Path(tempfile.mkdtemp(prefix="liveblog-test-varnish-"))
        self.folder.chmod(0o755)
        vcl = (PROJECT / "deploy" / "varnish.vcl").read_text()
        vcl, replaced = re.subn(r'\.port = "\d+";', f'.port = "{backend_port}";', vcl, count=1)
        assert replaced == 1, "deploy/varnish.vcl names no backend port"
        if first_byte_timeout:
            vcl, replaced = re.subn(
                r"\.first_byte_timeout = \w+;", f".first_byte_timeout = {first_byte_timeout};", vcl
            )
            assert replaced == 1, "deploy/varnish.vcl sets no first_byte_timeout"
        if tls_terminators:
            listed = "".join(f'\n    "{address}";' for address in tls_terminators)
            vcl, replaced = re.subn(
                r"acl tls_terminators \{\n", f"acl tls_terminators {{{listed}\n", vcl
            )
            assert replaced == 1, "deploy/varnish.vcl has no tls_terminators ACL"
        if pushpin_port:
            vcl, replaced = re.subn(
                r'(backend pushpin \{[^}]*\.port = )"\d+";', rf'\g<1>"{pushpin_port}";', vcl
            )
            assert replaced == 1, "deploy/varnish.vcl names no pushpin backend"
        self.purge_token = secrets.token_urlsafe(32) if purge_token is None else purge_token
        self.token_header = {"X-Liveblog-Token": self.purge_token}
        self.vcl = self.folder / "varnish.vcl"
        self.vcl.write_text(vcl)
        self.process = None

    def __enter__(self):
        workdir = self.folder / "varnish-work"
        self.process = subprocess.Popen(
            [str(VARNISHD), "-F", "-a", f"127.0.0.1:{self.port}", "-f", str(self.vcl),
             "-n", str(workdir), "-s", "malloc,128m", "-s", f"Transient=malloc,{self.TRANSIENT}",
             "-T", "none", "-p", "thread_pool_min=50"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env={**os.environ, "LIVEBLOG_PURGE_TOKEN": self.purge_token},
        )  # fmt: skip
        try:
            wait_until(lambda: self.process.poll() is not None or self.ready(), 60, "varnish")
            if self.process.poll() is not None:
                raise AssertionError(self.process.stdout.read().decode())
        except BaseException:
            self.__exit__()
            raise
        return self

    def ready(self) -> bool:
        if len(self.purge_token) >= 32:
            return answers(self.port, headers=self.token_header)
        # A Varnish refusing every token: that it answers at all.
        try:
            return get(self.port, "/healthz", timeout=2).status == 404
        except OSError:
            return False

    def purging_env(self) -> dict:
        """What the application needs to purge this Varnish (liveblog/purge.py)."""
        return {
            "VARNISH_URLS": f"http://127.0.0.1:{self.port}",
            "LIVEBLOG_PURGE_TOKEN": self.purge_token,
        }

    def child_pids(self) -> set[int]:
        """The worker (child) processes of this varnishd, which hold the cache."""
        return children_of(self.process.pid)

    def probe_says_healthy(self) -> bool:
        """What Varnish's probe of the origin concludes: at least 2 of its
        last 3 checks good (the VCL's .threshold and .window), from the
        bitmap of results, newest in the lowest bit."""
        return (self.counter("VBE.*.default.happy") & 0b111).bit_count() >= 2

    def counter(self, name: str) -> int:
        """One of varnishstat's counters, such as MAIN.backend_retry."""
        output = run(["varnishstat", "-n", str(self.folder / "varnish-work"), "-1", "-f", name])
        return int(output.split()[1])

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Stack:
    """The servers `start_stack` started: `database` is the PostgreSQL
    cluster of their own (None when they share a database given by URL),
    `cdn` None when started without one, `env` the application's
    environment (for manage.py, or another gunicorn like this one)."""

    database: PostgresCluster | None
    origin: Gunicorn
    cdn: Varnish | None
    env: dict
    folder: Path

    def another_cdn(self, **options) -> Varnish:
        """A Varnish of its own in front of the same origin, to use in a `with`
        block: Varnish's options (first_byte_timeout, tls_terminators,
        purge_token), for a test that changes or measures its CDN."""
        return Varnish(self.origin.port, **options)


@contextmanager
def start_stack(
    folder: Path,
    *,
    database_url: str | None = None,
    migrate: bool | None = None,
    seed: str = "",
    collectstatic: bool = True,
    workers: int = 2,
    cdn: bool = True,
    purging: bool = False,
    env: dict | None = None,
    first_byte_timeout: str | None = None,
    tls_terminators: tuple[str, ...] = (),
    pushpin_port: int | None = None,
) -> Iterator[Stack]:
    """PostgreSQL, gunicorn with the production settings and Varnish with
    deploy/varnish.vcl in front of it, started in `folder` and stopped
    when the block ends.

    Without `database_url` the servers get a PostgreSQL cluster of their
    own, migrated, that a test may stop; with one (the test database, so
    that the servers read what a test writes) they share it, and it is
    migrated only if `migrate` says so. `seed` is Python run by
    `manage.py shell` before the servers start. With `purging` the
    application purges this Varnish after each commit, with its token.
    `env` adds to or overrides the production environment (an HTTPS
    setting, MEDIA_ROOT, a memo turned off). `pushpin_port` points the
    VCL's streams at a Pushpin (`Pushpin`, started by the caller).
    """
    # Before anything is started: without Varnish there is nothing to test.
    require_varnish()
    with ExitStack() as started:
        database = None
        if database_url is None:
            database = started.enter_context(PostgresCluster())
            database.create_database("liveblog")
            database_url = database.url()
            migrate = True if migrate is None else migrate
        environment = {
            **production_environment(database_url, folder / "static"),
            **(env or {}),
        }
        if migrate:
            manage(environment, "migrate", "--noinput")
        if collectstatic:
            manage(environment, "collectstatic", "--noinput")
        if seed:
            manage(environment, "shell", "-c", seed)
        origin = Gunicorn(environment, folder, workers=workers)
        varnish = None
        if cdn:
            varnish = Varnish(
                origin.port,
                first_byte_timeout=first_byte_timeout,
                tls_terminators=tls_terminators,
                pushpin_port=pushpin_port,
            )
            # Its folder exists already: gone even if the origin fails to start.
            started.callback(shutil.rmtree, varnish.folder, ignore_errors=True)
            if purging:
                # From 127.0.0.1, which the VCL's purgers ACL lists.
                environment.update(varnish.purging_env())
                origin.env.update(varnish.purging_env())
        started.enter_context(origin)
        if varnish is not None:
            started.enter_context(varnish)
        yield Stack(database, origin, varnish, environment, folder)


class Pushpin:
    """Debian's Pushpin, holding readers' streams for an origin (issue 21).

    Its own folder, run and log directories and ports on 127.0.0.1: `port`
    for readers, `control_port` for publishing (`publish_url`). Its inner
    sockets are IPC files in its run folder, zurl's too: Debian's own
    pushpin.conf leaves zurl out of the runner's services and points the
    proxy at zurl's system folder, and without zurl Pushpin never reaches
    the origin. It signs what it forwards with `key` (Grip-Sig, HS256,
    issuer `pushpin`): the application's GRIP_VERIFY_KEY (`publishing_env`).
    Ports are chosen at once, so the application can be started with them
    before Pushpin itself (`routing_to(origin_port)` starts it).
    """

    def __init__(self, folder: Path, key: str | None = None):
        require(PUSHPIN, "apt-get install pushpin")
        self.folder = folder
        self.key = key or secrets.token_urlsafe(32)
        self.port = free_port()
        self.control_port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def publish_url(self) -> str:
        return f"http://127.0.0.1:{self.control_port}"

    def publishing_env(self) -> dict:
        """What the application needs to accept its streams and publish to it."""
        return {
            "GRIP_VERIFY_KEY": self.key,
            "GRIP_VERIFY_ISS": "pushpin",
            "PUSHPIN_PUBLISH_URLS": self.publish_url,
        }

    def configure(self, origin_port: int) -> Path:
        run, logs = self.folder / "run", self.folder / "log"
        run.mkdir(parents=True, exist_ok=True)
        logs.mkdir(parents=True, exist_ok=True)
        (self.folder / "routes").write_text(f"* 127.0.0.1:{origin_port}\n")
        config = self.folder / "pushpin.conf"
        config.write_text(
            f"""[global]
include=/usr/lib/pushpin/internal.conf
rundir={run}
ipc_prefix=pushpin-
port_offset=0
stats_connection_ttl=120
[runner]
services=condure,zurl,pushpin-proxy,pushpin-handler
http_port=127.0.0.1:{self.port}
logdir={logs}
log_level=2
client_buffer_size=8192
client_maxconn=5000
condure_bin=condure
zurl_bin=zurl
[proxy]
routesfile=routes
sig_iss=pushpin
sig_key={self.key}
updates_check=off
zurl_out_specs=ipc://{{rundir}}/{{ipc_prefix}}zurl-in
zurl_out_stream_specs=ipc://{{rundir}}/{{ipc_prefix}}zurl-in-stream
zurl_in_specs=ipc://{{rundir}}/{{ipc_prefix}}zurl-out
[handler]
push_in_spec=ipc://{{rundir}}/{{ipc_prefix}}push-in
push_in_sub_specs=ipc://{{rundir}}/{{ipc_prefix}}push-in-sub
push_in_http_addr=127.0.0.1
push_in_http_port={self.control_port}
stats_spec=ipc://{{rundir}}/{{ipc_prefix}}stats
command_spec=ipc://{{rundir}}/{{ipc_prefix}}command
message_rate=2500
message_hwm=25000
message_wait=5000
id_cache_ttl=60
connection_subscription_max=20
subscription_linger=60
stats_subscription_ttl=60
stats_report_interval=10
stats_format=tnetstring
"""
        )
        return config

    @contextmanager
    def routing_to(self, origin_port: int):
        """Pushpin in front of the origin on this port, until the block ends."""
        self.start(origin_port)
        try:
            yield self
        finally:
            self.stop()

    def start(self, origin_port: int) -> None:
        config = self.configure(origin_port)
        with (self.folder / "pushpin-output.log").open("ab") as output:
            self.process = subprocess.Popen(
                [str(PUSHPIN), "--config", str(config), "--merge-output"],
                cwd=self.folder, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            # Its front server listens before the proxy behind it is ready:
            # ready once a request reaches the origin through it.
            wait_until(
                lambda: (
                    self.process.poll() is not None
                    or (listening(self.control_port) and answers(self.port))
                ),
                30,
                "pushpin",
            )
            assert self.process.poll() is None, self.output()
        except BaseException:
            self.stop()
            raise

    def output(self) -> str:
        return (self.folder / "pushpin-output.log").read_text(errors="replace")

    def stop(self) -> None:
        """Stop the runner and the four servers it started, whatever happens."""
        if self.process is None or self.process.poll() is not None:
            return
        servers = children_of(self.process.pid)
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pid in servers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not listening(self.port), 15, "pushpin to close its port")


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0
