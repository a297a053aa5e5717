"""/_test/headers echoes the request's headers into an article, one paragraph each, escaped."""

from __future__ import annotations

import urllib.request

from healthcrawl.sample_site.serve import start_server


def test_headers_route_echoes_the_user_agent() -> None:
    server, base = start_server(None, quiet=True)
    try:
        request = urllib.request.Request(f"{base}/_test/headers", headers={"User-Agent": "<b>/1"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert "<p>User-Agent: &lt;b&gt;/1</p>" in body
    assert "<title>Request headers</title>" in body
