"""A post's own page shows its embeds' cards as the blog's page does: the provider's answer,
sanitised, its player only once the reader asks; against a provider the test runs on
loopback (tests/test_embeds.py's)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.test_embeds import Provider, client_for, provider, publish  # noqa: F401  (fixture)


def test_the_post_page_shows_the_embeds_card_sanitised(
    database_url: str,
    tmp_path: Path,
    provider: Provider,  # noqa: F811
) -> None:
    port = provider.server_address[1]
    url = f"http://127.0.0.1:{port}/v/9"
    with client_for(database_url, tmp_path, port) as client:
        _, post_id = publish(client, f"The bridge this morning:\n\n{url}\n\nMore soon.")
        deadline = time.monotonic() + 30
        while True:
            page = client.get(f"/blogs/floods/posts/{post_id}")
            if "Flood footage from the bridge" in page.text or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    html = page.text
    assert page.status_code == 200
    assert "Flood footage from the bridge" in html and "Riverton Gazette" in html
    card = html[html.index('<aside class="embed-card"') : html.index("</aside>")]
    assert "<template>" in card and "embed-card__load" in card  # the player waits to be asked
    for bad in ("<script", "onload", "onerror", "onclick", "evil.example", "<img src=x"):
        assert bad not in card, bad
    assert f'<iframe src="http://127.0.0.1:{port}/player/1"' in card
    assert f"frame-src http://127.0.0.1:{port}" in page.headers["content-security-policy"]
