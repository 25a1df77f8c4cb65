# Varnish in front of Liveline: caches pages, feeds and polls, and bans them by surrogate key
# when Liveline purges (LIVELINE_PURGE_URL=http://<varnish>/ , LIVELINE_PURGE_STYLE=varnish).
# tests/test_varnish.py runs this file as it is, with the backend's port substituted.
vcl 4.1;

backend liveline {
    .host = "127.0.0.1";
    .port = "8000";
}

# Who may purge: the Liveline processes. Nobody else may empty the cache.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE" || req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.Surrogate-Key) {
            return (synth(400, "Surrogate-Key required"));
        }
        # "blog-1 post-7" bans every object tagged with either key. A ban on obj.* only is
        # tested by the ban lurker in the background, so the ban list stays short.
        ban("obj.http.Surrogate-Key ~ (^|\s)(" +
            regsuball(req.http.Surrogate-Key, "\s+", "|") + ")(\s|$)");
        return (synth(200, "Banned"));
    }
    # A live stream is held for hours: pass it through, never buffer or cache it.
    if (req.url ~ "^/blogs/[^/?]+/events") {
        return (pass);
    }
    # The editor's console, sign-in, the write API and anything with credentials: never cached.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization || req.url ~ "^/(edit|login|logout)") {
        return (pass);
    }
    # Reader pages, feeds and polls are the same for everyone: cookies play no part in them.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    if (beresp.http.Content-Type ~ "^text/event-stream") {
        set beresp.do_stream = true;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # Liveline marks what may be cached; anything else (an error, a 404 for a post not yet
    # published, the console) is fetched anew each time, not kept for Varnish's default TTL.
    if (!beresp.http.Cache-Control) {
        set beresp.uncacheable = true;
        return (deliver);
    }
    # Liveline's Cache-Control gives s-maxage (the TTL here) and stale-while-revalidate
    # (Varnish's grace); a purge bans the object whatever either says.
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
