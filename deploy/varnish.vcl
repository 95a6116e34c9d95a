vcl 4.1;
# Varnish in front of liveblog's gunicorn. The origin says what may be cached
# and for how long (Cache-Control); this file makes sure that
# - every request is put in one canonical form before the cache lookup, so a
#   client cannot walk around the cache with variants of a URL or host;
# - nothing a client sends besides the URL, the host and a few harmless
#   headers reaches the origin on public paths (no cookies, no credentials,
#   no underscore or internal headers), so nobody can poison a shared copy;
# - errors and uncacheable answers neither queue readers behind each other
#   nor get fetched twice;
# - each client may send only so many requests to the origin (cache misses
#   and passes); cache hits are never limited;
# - the application purges an entry's cached answers (every URL variant at
#   once, by tag) the moment they change, and only it may.
# docs/deploy.md explains each rule and its equivalent on other CDNs.
# The server tests run this file (tests/servers.py's start_stack), with the
# backend port replaced. The graces, the desk's body limit and the admin
# prefix repeat settings this file cannot read: change them together
# (tests/test_vcl_agrees_with_settings.py fails otherwise).

import directors;
import std;
import vsthrottle;
# Purging by tag (the origin's xkey header); both vmods are in Debian's
# varnish-modules package.
import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    # The health endpoint checks the database too: while it fails, readers
    # are served the last good copies (see vcl_recv and vcl_backend_response).
    .probe = {
        .url = "/healthz";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}

# Who may ask for /healthz through Varnish: this host's own checks and the
# load balancers (add their addresses), with the purge token (below).
# Everybody else gets a 404.
acl health_checkers {
    "127.0.0.1";
    "::1";
}

# Who may purge: the application servers (liveblog/purge.py, VARNISH_URLS).
# Add their addresses when they run on other hosts. Everybody else gets a 405.
# An address is not enough: a TLS terminator or TCP forwarder on this host
# makes every reader arrive from 127.0.0.1. A purge must also carry the
# secret in LIVEBLOG_PURGE_TOKEN, which varnishd reads from its environment
# (std.getenv; the application sends it in X-Liveblog-Token). Unset or
# shorter than 32 characters: every purge is refused.
acl purgers {
    "127.0.0.1";
    "::1";
}

# TLS terminators in front of this Varnish that append the client's address
# to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for, a cloud load
# balancer). Empty: X-Forwarded-For is never believed, and the client is
# whoever connects (with the PROXY protocol, as hitch speaks it, that is the
# real client already). List a terminator's address here only if it always
# appends the address it sees.
acl tls_terminators {
}

sub vcl_init {
    # Only for its key(): a 32-bit number taken from a string's SHA-256 (see
    # liveblog_check_token). It never picks a backend.
    new token_digest = directors.shard();
}

# Requests to the origin (misses and passes) each client may send per 10 s;
# past it, 429 with Retry-After for the next 10 s. Cache hits never count.
# The admin has its own allowance, and its login form a small one: every
# attempt costs the origin a password hash.

sub vcl_recv {
    if (req.restarts == 0) {
        # Only this file sets its internal headers (on a restart, below).
        unset req.http.X-Liveblog-Origin-Failed;
        unset req.http.X-Liveblog-Retry-After;
        unset req.http.X-Liveblog-Purged;
        unset req.http.X-Liveblog-Token-Valid;
        unset req.http.X-Liveblog-Counted;
        call liveblog_find_client;
        call liveblog_check_token;
    }
    if (req.method == "PURGE") {
        call liveblog_purge;
    }
    call liveblog_drop_forwarder_headers;
    call liveblog_normalise_host;
    call liveblog_normalise_url;
    # Readers' streams go to Pushpin (the push block at the end of this file).
    call liveblog_push_streams;

    if (req.url ~ "^/healthz$") {
        if (std.ip(req.http.X-Liveblog-Client, "0.0.0.0") !~ health_checkers
            || !req.http.X-Liveblog-Token-Valid) {
            return (synth(404, "Not Found"));
        }
        return (pass);
    }
    # The admin (keep in step with ADMIN_URL) and staff previews of drafts
    # under it go to the origin as they are, cookies and all.
    if (req.url ~ "^/admin(/|\?|$)") {
        if (req.method == "POST" && req.url ~ "^/admin/login/"
            && vsthrottle.is_denied("login " + req.http.X-Liveblog-Client, 10, 60s, 60s)) {
            set req.http.X-Liveblog-Retry-After = std.integer(
                duration=vsthrottle.blocked("login " + req.http.X-Liveblog-Client, 10, 60s, 60s),
                fallback=60) + 1;
            return (synth(429, "Too Many Requests"));
        }
        # Counted before the body is read: a client past its allowance gets
        # its 429 without Varnish holding up to 201 MB of it first.
        call liveblog_count_origin_request;
        call liveblog_buffer_body;
        return (pass);
    }
    # Public responses depend on their URL alone: cookies and credentials
    # would only split the cache, or make it pass.
    unset req.http.Cookie;
    unset req.http.Authorization;
    if (req.method != "GET" && req.method != "HEAD") {
        # The origin answers 405; never cached, never retried.
        call liveblog_count_origin_request;
        call liveblog_buffer_body;
        return (pass);
    }
    # stale-while-revalidate: a just-expired object is served for a few
    # seconds while one background fetch refreshes it. While the origin is
    # sick, or after it failed this very request, the whole grace
    # (stale-if-error) applies instead.
    if (std.healthy(req.backend_hint) && !req.http.X-Liveblog-Origin-Failed) {
        set req.grace = 5s;
    } else {
        set req.grace = 1h;
    }
    return (hash);
}

sub liveblog_purge {
    # `PURGE /` with `xkey-purge: entry-42 index`: every object tagged with
    # one of those keys (the page, each `since` and `before` variant, `/`)
    # is removed at once, under any host, with no grace: the next reader
    # waits for the origin's new answer rather than being served the old
    # one. Answered here, before any lookup or the readers' rate limit.
    if (std.ip(req.http.X-Liveblog-Client, "0.0.0.0") !~ purgers) {
        return (synth(405, "Method Not Allowed"));
    }
    # Right token or wrong, each attempt counts: far more than the
    # application's pace (a tag at most twice a second per process, all of
    # an entry's variants in one request), and it bounds both a storm and
    # guessing.
    set req.http.X-Liveblog-Bucket = "purge " + req.http.X-Liveblog-Client;
    if (vsthrottle.is_denied(req.http.X-Liveblog-Bucket, 200, 10s, 10s)) {
        set req.http.X-Liveblog-Retry-After = std.integer(
            duration=vsthrottle.blocked(req.http.X-Liveblog-Bucket, 200, 10s, 10s),
            fallback=10) + 1;
        return (synth(429, "Too Many Requests"));
    }
    if (!req.http.X-Liveblog-Token-Valid) {
        return (synth(403, "Forbidden: no valid purge token"));
    }
    if (!req.http.xkey-purge) {
        return (synth(400, "Bad Request: no xkey-purge header"));
    }
    set req.http.X-Liveblog-Purged = xkey.purge(req.http.xkey-purge);
    return (synth(200, "Purged"));
}

sub liveblog_check_token {
    # X-Liveblog-Token-Valid is set when the client sent the purge token.
    # VCL has no constant-time comparison: the strings are compared only
    # when 32 bits of their SHA-256 digests agree, so how long a wrong
    # guess takes tells nothing about how much of the token it got right.
    if (req.http.X-Liveblog-Token && std.getenv("LIVEBLOG_PURGE_TOKEN") ~ "^.{32,}$"
        && token_digest.key(req.http.X-Liveblog-Token)
            == token_digest.key(std.getenv("LIVEBLOG_PURGE_TOKEN"))
        && req.http.X-Liveblog-Token == std.getenv("LIVEBLOG_PURGE_TOKEN")) {
        set req.http.X-Liveblog-Token-Valid = "1";
    }
    # The secret never goes further.
    unset req.http.X-Liveblog-Token;
}

sub liveblog_find_client {
    # Varnish has appended the peer's address to X-Forwarded-For. Keep what
    # came before it only from a trusted terminator; either way the last
    # address left is the client, which is what the origin logs and what the
    # limits count.
    if (client.ip ~ tls_terminators) {
        set req.http.X-Forwarded-For = regsub(req.http.X-Forwarded-For, ",\s*[^,]*$", "");
    } else {
        set req.http.X-Forwarded-For = client.ip;
    }
    set req.http.X-Liveblog-Client = regsub(req.http.X-Forwarded-For, "^.*,\s*", "");
}

sub liveblog_drop_forwarder_headers {
    # gunicorn drops every header with an underscore (header_map = "drop")
    # and trusts none as a forwarder header; these go here as well, as they
    # are the ones that rewrite what the application sees.
    unset req.http.SCRIPT_NAME;
    unset req.http.PATH_INFO;
    unset req.http.REMOTE_USER;
    unset req.http.REMOTE_ADDR;
    unset req.http.X_Forwarded_For;
    unset req.http.X_Forwarded_Proto;
    unset req.http.X_Forwarded_Host;
    # Only a trusted terminator knows whether the client spoke HTTPS, and
    # it says so in X-Forwarded-Proto alone (the one header gunicorn.conf.py
    # trusts). Every other way of claiming a scheme goes, from anyone: a
    # WSGI server or framework that believed one would redirect nobody, and
    # the page it answered would be cached for plain-HTTP readers.
    if (client.ip !~ tls_terminators) {
        unset req.http.X-Forwarded-Proto;
    }
    unset req.http.X-Forwarded-Ssl;
    unset req.http.X-Forwarded-Protocol;
    unset req.http.X-Forwarded-Scheme;
    unset req.http.Front-End-Https;
    unset req.http.X-Url-Scheme;
    unset req.http.X-Forwarded-Host;
    unset req.http.X-Forwarded-Port;
    unset req.http.Forwarded;
}

sub vcl_hash {
    # An answer depends on the scheme the origin was told (a 301 to HTTPS,
    # or the page): plain and HTTPS requests never share a cache object.
    # The built-in vcl_hash adds the URL and host after this.
    hash_data(req.http.X-Forwarded-Proto);
}

sub liveblog_normalise_host {
    # Live.Example.COM.:443 is live.example.com.
    if (req.http.Host) {
        set req.http.Host = std.tolower(regsub(req.http.Host, "\.*(:[0-9]*)?$", ""));
    }
}

sub liveblog_normalise_url {
    set req.url = regsub(req.url, "#.*$", "");
    if (req.url ~ "%") {
        call liveblog_normalise_percent_encoding;
    }
    # The admin's lists take any query; everything else only the
    # parameters it understands, in one spelling.
    if (req.url ~ "^/admin(/|\?|$)") {
        return;
    }
    set req.http.X-Liveblog-Query = "&" + regsub(req.url, "^[^?]*\??", "");
    set req.url = regsub(req.url, "\?.*$", "");
    if (req.url ~ "^/entries/[^/]+/updates\.json$") {
        # The poll: `since` a revision (leading zeros dropped), or `before`
        # a page cursor (docs/api.md).
        if (req.http.X-Liveblog-Query ~ "&since=") {
            set req.http.X-Liveblog-Since = regsub(req.http.X-Liveblog-Query, "^.*&since=([^&]*).*$", "\1");
            if (req.http.X-Liveblog-Since ~ "^[0-9]+$") {
                set req.http.X-Liveblog-Since = regsub(req.http.X-Liveblog-Since, "^0+([0-9])", "\1");
            }
            set req.url = req.url + "?since=" + req.http.X-Liveblog-Since;
        }
        call liveblog_keep_page_cursor;
    } else if (req.url ~ "^/entries/[^/]+/$") {
        call liveblog_keep_page_cursor;
        call liveblog_keep_permalink;
    }
    unset req.http.X-Liveblog-Query;
    unset req.http.X-Liveblog-Since;
}

sub liveblog_keep_page_cursor {
    # `before=<published unix seconds>-<update id>`, leading zeros dropped;
    # anything else is passed on as it came for the origin to refuse.
    if (req.http.X-Liveblog-Query ~ "&before=") {
        set req.http.X-Liveblog-Before = regsub(req.http.X-Liveblog-Query, "^.*&before=([^&]*).*$", "\1");
        set req.http.X-Liveblog-Before = regsub(req.http.X-Liveblog-Before, "^0*([0-9]+)-0*([0-9]+)$", "\1-\2");
        if (req.url ~ "\?") {
            set req.url = req.url + "&before=" + req.http.X-Liveblog-Before;
        } else {
            set req.url = req.url + "?before=" + req.http.X-Liveblog-Before;
        }
        unset req.http.X-Liveblog-Before;
    }
}

sub liveblog_keep_permalink {
    # An update's permalink on the page, `update=<id>` (updates/query.py),
    # leading zeros dropped; anything else is passed on as it came for the
    # origin to refuse.
    if (req.http.X-Liveblog-Query ~ "&update=") {
        set req.http.X-Liveblog-Update = regsub(req.http.X-Liveblog-Query, "^.*&update=([^&]*).*$", "\1");
        set req.http.X-Liveblog-Update = regsub(req.http.X-Liveblog-Update, "^0*([0-9]+)$", "\1");
        if (req.url ~ "\?") {
            set req.url = req.url + "&update=" + req.http.X-Liveblog-Update;
        } else {
            set req.url = req.url + "?update=" + req.http.X-Liveblog-Update;
        }
        unset req.http.X-Liveblog-Update;
    }
}

sub liveblog_buffer_body {
    # A request body is read in full here before the origin sees any of
    # it: a client sending its body slowly holds a Varnish thread (there
    # are thousands), not one of gunicorn's few.
    if (req.http.Content-Length || req.http.Transfer-Encoding) {
        if (req.url ~ "^/admin/(entries/entry/[0-9]+/desk/post|updates/liveupdate/(add|[0-9]+/change))/(\?|$)"
            && req.http.Cookie ~ "(^|;\s*)sessionid=") {
            # The author's desk posts an update with up to 10 photos of up
            # to 20 MB each in one request (updates/photos.py MAX_PHOTOS,
            # updates/photos.py MAX_BYTES), and so may the update admin's
            # add and change forms: a smaller buffer would turn an ordinary
            # post into a 413. Only those URLs, and only with a session
            # cookie (VCL cannot tell a valid one), hold that much in
            # memory; Transient storage's cap (docs/deploy.md) bounds the
            # total.
            set req.http.X-Liveblog-Body-Limit = "201MB";
        } elsif (req.url ~ "^/admin(/|\?|$)") {
            # Sign-in, the entry forms, actions: small. The sign-in page
            # takes anyone's body, before the admin's rate limit.
            set req.http.X-Liveblog-Body-Limit = "1MB";
        } else {
            set req.http.X-Liveblog-Body-Limit = "10MB";
        }
        # A body announced as too large is refused before any of it is
        # read; a failed std.cache_req_body would close the connection
        # without telling the client why.
        if (std.integer(req.http.Content-Length, 0)
                > std.integer(bytes=std.bytes(req.http.X-Liveblog-Body-Limit), fallback=0)
            || !std.cache_req_body(std.bytes(req.http.X-Liveblog-Body-Limit))) {
            unset req.http.X-Liveblog-Body-Limit;
            return (synth(413, "Request body too large"));
        }
        unset req.http.X-Liveblog-Body-Limit;
    }
}

sub liveblog_limit_origin_requests {
    if (req.url == "/healthz") {
        # Only health_checkers get this far; a probe is never turned away.
        return;
    }
    if (req.url ~ "^/admin(/|\?|$)") {
        set req.http.X-Liveblog-Bucket = "admin " + req.http.X-Liveblog-Client;
        if (vsthrottle.is_denied(req.http.X-Liveblog-Bucket, 60, 10s, 10s)) {
            set req.http.X-Liveblog-Retry-After = std.integer(
                duration=vsthrottle.blocked(req.http.X-Liveblog-Bucket, 60, 10s, 10s),
                fallback=10) + 1;
            return (synth(429, "Too Many Requests"));
        }
    } else {
        set req.http.X-Liveblog-Bucket = "origin " + req.http.X-Liveblog-Client;
        if (vsthrottle.is_denied(req.http.X-Liveblog-Bucket, 30, 10s, 10s)) {
            set req.http.X-Liveblog-Retry-After = std.integer(
                duration=vsthrottle.blocked(req.http.X-Liveblog-Bucket, 30, 10s, 10s),
                fallback=10) + 1;
            return (synth(429, "Too Many Requests"));
        }
    }
    unset req.http.X-Liveblog-Bucket;
}

sub vcl_miss {
    call liveblog_limit_origin_requests;
}

sub liveblog_count_origin_request {
    call liveblog_limit_origin_requests;
    set req.http.X-Liveblog-Counted = "1";
}

sub vcl_pass {
    # Passes decided in vcl_recv were counted there, before their body.
    if (!req.http.X-Liveblog-Counted) {
        call liveblog_limit_origin_requests;
    }
}

sub vcl_backend_fetch {
    unset bereq.http.X-Liveblog-Client;
    unset bereq.http.X-Liveblog-Token-Valid;
    unset bereq.http.X-Liveblog-Counted;
    # A new connection to the origin for every request. When a connection
    # Varnish reuses closes before any answer (a worker that died, or timed
    # out, mid-request), Varnish sends the request again by itself, a POST
    # too since its body is buffered (liveblog_buffer_body): an update the
    # dead worker had saved would be posted twice. Varnish 7.1's VCL cannot
    # turn that retry off; without reused connections it never happens.
    # Only misses and passes pay for it (docs/deploy.md).
    set bereq.http.Connection = "close";
    if (bereq.is_bgfetch && bereq.http.X-Liveblog-Origin-Failed) {
        # The stale copy a restarted request was given (vcl_synth) gets no
        # background refresh from the origin that has just failed to answer
        # it: its error would leave a hit-for-miss marker (below) hiding
        # the copy from the next readers, who would get errors instead.
        return (abandon);
    }
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        # A pass (the admin, a POST): the origin's answer as it is, never
        # sent twice.
        return (deliver);
    }
    unset beresp.http.Set-Cookie;
    if (beresp.status >= 500) {
        # Varnish asked with If-None-Match (or is refreshing in the
        # background) only when it holds a stale copy: keep that copy
        # rather than replacing it by an error; a foreground request
        # restarts to take it (vcl_synth). Without one, the origin's own
        # error, at once.
        if (!bereq.http.X-Liveblog-Origin-Failed
            && (bereq.is_bgfetch || bereq.http.If-None-Match || bereq.http.If-Modified-Since)) {
            return (abandon);
        }
        call liveblog_hit_for_miss;
    }
    if (beresp.status == 404) {
        # Made-up slugs and drafts: the same answer for everyone, kept a
        # few seconds so that a flood of them costs the origin little.
        # Browsers and caches further on keep none. The origin tags an
        # entry's 404 (xkey) so that the entry going live purges it.
        set beresp.http.Cache-Control = "no-store";
        set beresp.ttl = 5s;
        set beresp.grace = 0s;
        return (deliver);
    }
    if (!beresp.http.Cache-Control || beresp.http.Cache-Control ~ "(?i)no-store|no-cache|private"
        || beresp.status >= 300) {
        # Only what the origin marks cacheable is cached.
        call liveblog_hit_for_miss;
    }
    set beresp.grace = 1h;
}

sub liveblog_hit_for_miss {
    # A marker, for a few seconds, that this URL is not cached: requests
    # for it go to the origin side by side instead of queueing behind each
    # other, each waiting to see whether the one before brought something
    # to share.
    set beresp.ttl = 5s;
    set beresp.grace = 0s;
    set beresp.uncacheable = true;
    return (deliver);
}

sub vcl_backend_error {
    # The origin did not answer at all: as for a 5xx above.
    if (!bereq.uncacheable && !bereq.http.X-Liveblog-Origin-Failed
        && (bereq.is_bgfetch || bereq.http.If-None-Match || bereq.http.If-Modified-Since)) {
        return (abandon);
    }
    set beresp.http.Cache-Control = "no-store";
    set beresp.http.Retry-After = "10";
    set beresp.ttl = 5s;
    set beresp.grace = 0s;
    set beresp.uncacheable = true;
}

sub vcl_synth {
    # An abandoned fetch (the origin failed, a stale copy exists): try
    # again, this time accepting any stale copy within the grace.
    if (resp.status == 503 && req.restarts == 0 && !req.http.X-Liveblog-Origin-Failed) {
        set req.http.X-Liveblog-Origin-Failed = "1";
        return (restart);
    }
    set resp.http.Cache-Control = "no-store";
    set resp.http.X-Content-Type-Options = "nosniff";
    if (resp.status == 413
        || (resp.status == 429 && (req.http.Content-Length || req.http.Transfer-Encoding))) {
        # The rest of the body is never read (Varnish would otherwise read
        # and drop it before answering): this answer ends the connection.
        set resp.http.Connection = "close";
    }
    if (resp.status == 429) {
        set resp.http.Retry-After = req.http.X-Liveblog-Retry-After;
        set resp.reason = "Too Many Requests";
    }
    if (req.method == "PURGE" && resp.status == 200) {
        set resp.http.X-Purged-Objects = req.http.X-Liveblog-Purged;
    }
    # JSON for the poll and for the desk's requests (which ask for it):
    # the desk shows the reason next to the post (issue 19).
    if (req.url ~ "\.json(\?|$)" || req.http.Accept ~ "application/json") {
        set resp.http.Content-Type = "application/json";
        set resp.body = {"{"error": ""} + resp.reason + {"""} + "}";
    } else {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
    }
    return (deliver);
}

sub vcl_deliver {
    # The tags the origin names its answers with are for caches, not readers.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub liveblog_normalise_percent_encoding {
    # RFC 3986, 6.2.2: hexadecimal digits in upper case, unreserved
    # characters (letters, digits, - . _ ~) not encoded at all. A reader's
    # browser never encodes them; a client that does is after a cache miss.
    set req.url = regsuball(req.url, "%([0-9A-Fa-f])a", "%\1A");
    set req.url = regsuball(req.url, "%([0-9A-Fa-f])b", "%\1B");
    set req.url = regsuball(req.url, "%([0-9A-Fa-f])c", "%\1C");
    set req.url = regsuball(req.url, "%([0-9A-Fa-f])d", "%\1D");
    set req.url = regsuball(req.url, "%([0-9A-Fa-f])e", "%\1E");
    set req.url = regsuball(req.url, "%([0-9A-Fa-f])f", "%\1F");
    set req.url = regsuball(req.url, "%a([0-9A-F])", "%A\1");
    set req.url = regsuball(req.url, "%b([0-9A-F])", "%B\1");
    set req.url = regsuball(req.url, "%c([0-9A-F])", "%C\1");
    set req.url = regsuball(req.url, "%d([0-9A-F])", "%D\1");
    set req.url = regsuball(req.url, "%e([0-9A-F])", "%E\1");
    set req.url = regsuball(req.url, "%f([0-9A-F])", "%F\1");
    set req.url = regsuball(req.url, "%2D", "-");
    set req.url = regsuball(req.url, "%2E", ".");
    set req.url = regsuball(req.url, "%30", "0");
    set req.url = regsuball(req.url, "%31", "1");
    set req.url = regsuball(req.url, "%32", "2");
    set req.url = regsuball(req.url, "%33", "3");
    set req.url = regsuball(req.url, "%34", "4");
    set req.url = regsuball(req.url, "%35", "5");
    set req.url = regsuball(req.url, "%36", "6");
    set req.url = regsuball(req.url, "%37", "7");
    set req.url = regsuball(req.url, "%38", "8");
    set req.url = regsuball(req.url, "%39", "9");
    set req.url = regsuball(req.url, "%41", "A");
    set req.url = regsuball(req.url, "%42", "B");
    set req.url = regsuball(req.url, "%43", "C");
    set req.url = regsuball(req.url, "%44", "D");
    set req.url = regsuball(req.url, "%45", "E");
    set req.url = regsuball(req.url, "%46", "F");
    set req.url = regsuball(req.url, "%47", "G");
    set req.url = regsuball(req.url, "%48", "H");
    set req.url = regsuball(req.url, "%49", "I");
    set req.url = regsuball(req.url, "%4A", "J");
    set req.url = regsuball(req.url, "%4B", "K");
    set req.url = regsuball(req.url, "%4C", "L");
    set req.url = regsuball(req.url, "%4D", "M");
    set req.url = regsuball(req.url, "%4E", "N");
    set req.url = regsuball(req.url, "%4F", "O");
    set req.url = regsuball(req.url, "%50", "P");
    set req.url = regsuball(req.url, "%51", "Q");
    set req.url = regsuball(req.url, "%52", "R");
    set req.url = regsuball(req.url, "%53", "S");
    set req.url = regsuball(req.url, "%54", "T");
    set req.url = regsuball(req.url, "%55", "U");
    set req.url = regsuball(req.url, "%56", "V");
    set req.url = regsuball(req.url, "%57", "W");
    set req.url = regsuball(req.url, "%58", "X");
    set req.url = regsuball(req.url, "%59", "Y");
    set req.url = regsuball(req.url, "%5A", "Z");
    set req.url = regsuball(req.url, "%5F", "_");
    set req.url = regsuball(req.url, "%61", "a");
    set req.url = regsuball(req.url, "%62", "b");
    set req.url = regsuball(req.url, "%63", "c");
    set req.url = regsuball(req.url, "%64", "d");
    set req.url = regsuball(req.url, "%65", "e");
    set req.url = regsuball(req.url, "%66", "f");
    set req.url = regsuball(req.url, "%67", "g");
    set req.url = regsuball(req.url, "%68", "h");
    set req.url = regsuball(req.url, "%69", "i");
    set req.url = regsuball(req.url, "%6A", "j");
    set req.url = regsuball(req.url, "%6B", "k");
    set req.url = regsuball(req.url, "%6C", "l");
    set req.url = regsuball(req.url, "%6D", "m");
    set req.url = regsuball(req.url, "%6E", "n");
    set req.url = regsuball(req.url, "%6F", "o");
    set req.url = regsuball(req.url, "%70", "p");
    set req.url = regsuball(req.url, "%71", "q");
    set req.url = regsuball(req.url, "%72", "r");
    set req.url = regsuball(req.url, "%73", "s");
    set req.url = regsuball(req.url, "%74", "t");
    set req.url = regsuball(req.url, "%75", "u");
    set req.url = regsuball(req.url, "%76", "v");
    set req.url = regsuball(req.url, "%77", "w");
    set req.url = regsuball(req.url, "%78", "x");
    set req.url = regsuball(req.url, "%79", "y");
    set req.url = regsuball(req.url, "%7A", "z");
    set req.url = regsuball(req.url, "%7E", "~");
}

# --- Push (issue 21) --------------------------------------------------------
# Readers' pages listen on /entries/<slug>/events (docs/api.md). Pushpin holds
# those connections: it asks the origin once per connection, signed with its
# Grip-Sig, and sends each event the application publishes to its control
# port (PUSHPIN_PUBLISH_URLS, liveblog/push.py). Everything else goes to the
# origin as above. Without Pushpin (GRIP_VERIFY_KEY unset) pages never open
# a stream; one opened anyway gets a 503 here and polls.
backend pushpin {
    .host = "127.0.0.1";
    .port = "7999";
    .connect_timeout = 2s;
    # Pushpin sends a keep-alive comment every 20 s on an idle stream
    # (Grip-Keep-Alive, liveblog/push.py).
    .between_bytes_timeout = 60s;
}

sub liveblog_push_streams {
    # Only Pushpin signs requests for the origin; nobody else's signature
    # is let through, on any path.
    unset req.http.Grip-Sig;
    if (req.url ~ "^/entries/[^/]+/events$" && (req.method == "GET" || req.method == "HEAD")) {
        set req.backend_hint = pushpin;
        # A stream lasts as long as the reader stays; Varnish would end it
        # after send_timeout (10 minutes by default) otherwise. The browser
        # reconnects when it ends, resuming from its last event.
        set sess.send_timeout = 1h;
        # Passed, hence streamed as it comes and never cached; counted
        # against the client's origin allowance like any pass (vcl_pass).
        return (pass);
    }
}
