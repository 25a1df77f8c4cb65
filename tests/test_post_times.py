"""A post dated ahead of now would sit on top of the live page like a pin: refused, with the
way to do it right (a schedule). A few minutes of clock skew pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from liveline.model import Role
from tests.harness import auth


def editor(client: TestClient) -> dict[str, str]:
    service = client.app.state.service  # type: ignore[attr-defined]
    service.accounts.add_user("ed", Role.EDITOR)
    headers = auth(service.accounts.create_token("ed"))
    assert client.post("/api/blogs", json={"title": "Storm", "slug": "storm"}, headers=headers)
    return headers


def test_a_published_at_in_the_future_is_refused_unless_scheduled(client: TestClient) -> None:
    headers = editor(client)
    url = "/api/blogs/storm/posts"
    soon = datetime.now(UTC) + timedelta(minutes=2)
    later = datetime.now(UTC) + timedelta(hours=1)
    for when in (later.isoformat(), "2030-01-01T00:00:00+00:00"):
        answer = client.post(
            url, json={"headline": "H", "body": "B", "published_at": when}, headers=headers
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == "published_at"
        assert "schedule" in answer.json()["error"]["message"]
    skewed = client.post(
        url, json={"headline": "H", "body": "B", "published_at": soon.isoformat()}, headers=headers
    )
    assert skewed.status_code == 201  # clocks disagree by a little
    scheduled = client.post(
        url,
        json={"headline": "H", "body": "B", "status": "scheduled", "publish_at": later.isoformat()},
        headers=headers,
    )
    assert scheduled.status_code == 201
    post = skewed.json()
    moved = client.patch(
        f"{url}/{post['id']}",
        json={"published_at": "2030-01-01T00:00:00+00:00"},
        headers={**headers, "If-Match": f'"{post["version"]}"'},
    )
    assert moved.status_code == 422  # nor by a correction
