vcl 4.1;
# Varnish in front of liveblog's gunicorn. The origin says what may be cached
# and for how long (Cache-Control); this file only makes sure that cookies
# never split or poison the cache and that the admin is never cached.
# docs/deploy.md explains each rule and its equivalent on other CDNs.
# tests/test_cdn.py runs this file, with the backend port replaced.

import std;

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

sub vcl_recv {
    if (req.url ~ "^/admin(/|$)" || req.url ~ "^/healthz") {
        return (pass);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Signed-in staff (previewing a draft, say) go to the origin as they are.
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Public responses depend on their URL alone: other cookies would only
    # split the cache.
    unset req.http.Cookie;
    if (req.http.Authorization) {
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

sub vcl_backend_response {
    if (bereq.url !~ "^/admin(/|$)") {
        unset beresp.http.Set-Cookie;
    }
    if (beresp.status >= 500) {
        # Only for cacheable requests: a pass (the admin, a POST) must never
        # be sent twice.
        if (!bereq.uncacheable && (bereq.is_bgfetch || !bereq.http.X-Liveblog-Origin-Failed)) {
            # Keep the stale copy rather than replacing it by an error; a
            # foreground request restarts to look for one (vcl_synth).
            return (abandon);
        }
        # No stale copy either: pass the origin's own error on.
        set beresp.ttl = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    if (!beresp.http.Cache-Control) {
        # Only what the origin marks cacheable is cached.
        set beresp.ttl = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    set beresp.grace = 1h;
}

sub vcl_synth {
    # An abandoned fetch (the origin failed): try again, this time accepting
    # any stale copy within the grace, or the origin's error if none.
    if (resp.status == 503 && req.restarts == 0 && !req.http.X-Liveblog-Origin-Failed) {
        set req.http.X-Liveblog-Origin-Failed = "1";
        return (restart);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
