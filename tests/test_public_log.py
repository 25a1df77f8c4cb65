"""What the public log may say, what edges refuse, and what stops a person's access at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from liveline.app import create_app
from liveline.config import Settings
from liveline.model import Role
from tests.harness import auth
from tests.record import record

EMBARGOED = "EMBARGOED-sentence-4471"


@pytest.fixture
def desk(client: TestClient) -> dict[str, dict[str, str]]:
    service = client.app.state.service  # type: ignore[attr-defined]
    headers = {}
    for name, role in (("ed", Role.EDITOR), ("rita", Role.REPORTER)):
        service.accounts.add_user(name, role)
        headers[name] = auth(service.accounts.create_token(name))
    created = client.post("/api/blogs", json={"title": "Storm watch"}, headers=headers["ed"])
    assert created.status_code == 201
    return headers


def publish(client: TestClient, headers: dict[str, str], **fields: object) -> dict[str, object]:
    made = client.post(
        "/api/blogs/storm-watch/posts",
        json={"headline": "Winds pick up", "body": "Gusts.", **fields},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def patch(client: TestClient, headers: dict[str, str], post: dict[str, object], **fields: object):
    return client.patch(
        f"/api/blogs/storm-watch/posts/{post['id']}",
        json=fields,
        headers={**headers, "If-Match": f'"{post["version"]}"'},
    )


def public_log(client: TestClient) -> str:
    """The whole log as the polling endpoint serves it to anyone."""
    answer = client.get("/api/blogs/storm-watch/events", params={"since": 0})
    assert answer.status_code == 200
    return answer.text


# Nothing unpublished is public


@pytest.mark.parametrize("status", ["draft", "scheduled"])
def test_a_post_taken_back_to_draft_or_schedule_never_logs_its_new_text(
    client: TestClient, desk: dict[str, dict[str, str]], status: str
) -> None:
    post = publish(client, desk["ed"])
    public_log(client)  # the frames are cached now: the change must not be served from them
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    fields: dict[str, object] = {"status": status, "body": EMBARGOED}
    if status == "scheduled":
        fields["publish_at"] = later
    assert patch(client, desk["ed"], post, **fields).status_code == 200

    log = public_log(client)
    assert EMBARGOED not in log
    assert "Gusts." not in log  # the withdrawn text leaves the log too
    events = json.loads(log)["events"]
    assert [event["type"] for event in events] == ["post.published", "post.deleted"]
    assert events[1]["post"] == {"id": post["id"], "status": "deleted"}
    record(
        f"A published post moved to {status} with new, embargoed text",
        tried="the whole public log read before and after, frames cached in between",
        lost="nothing leaked: neither the new nor the withdrawn text is in the log",
        test="tests/test_public_log.py -k draft_or_schedule",
    )


def test_a_correction_leaves_only_the_corrected_text_in_the_log(
    client: TestClient, desk: dict[str, dict[str, str]]
) -> None:
    post = publish(client, desk["ed"], headline="Mayor Jon Smith resigns")
    public_log(client)
    fixed = patch(client, desk["ed"], post, headline="Mayor John Smyth resigns")
    assert fixed.status_code == 200

    log = public_log(client)
    events = json.loads(log)["events"]
    assert "Jon Smith" not in log
    assert [(event["seq"], event["type"]) for event in events] == [
        (1, "post.published"),
        (2, "post.updated"),
    ]  # the seqs and their order are as they were: a replay is still exact
    assert {event["post"]["headline"] for event in events} == {"Mayor John Smyth resigns"}
    assert "Mayor John Smyth resigns" in events[0]["html"]
    record(
        "A correction of a wrongly named person",
        tried="the log replayed from 0 after the correction",
        lost="nothing; the wrong name is gone from every entry, seqs unchanged",
        test="tests/test_public_log.py -k correction",
    )


def test_a_deleted_post_leaves_its_id_alone_in_the_log(
    client: TestClient, desk: dict[str, dict[str, str]]
) -> None:
    post = publish(client, desk["ed"], headline="Wrongly named suspect")
    deleted = client.delete(
        f"/api/blogs/storm-watch/posts/{post['id']}",
        headers={**desk["ed"], "If-Match": f'"{post["version"]}"'},
    )
    assert deleted.status_code == 200
    log = public_log(client)
    assert "Wrongly named" not in log and "Gusts." not in log
    assert len(json.loads(log)["events"]) == 2


# Times every zone can show, and no backdating


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
)
@pytest.mark.parametrize("field", ["published_at", "publish_at"])
def test_times_at_the_edge_of_the_calendar_are_refused(
    client: TestClient, desk: dict[str, dict[str, str]], moment: str, field: str
) -> None:
    fields = {field: moment, "status": "scheduled" if field == "publish_at" else "published"}
    answer = client.post(
        "/api/blogs/storm-watch/posts",
        json={"headline": "Far away", "body": "", **fields},
        headers=desk["ed"],
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field
    assert client.get("/blogs/storm-watch").status_code == 200
    assert public_log(client)
    record(
        f"{field} of {moment}",
        tried="one write",
        lost="nothing: 422 naming the field; the page and the log still answer",
        test="tests/test_public_log.py -k calendar",
    )


def test_a_publication_time_in_the_future_is_refused_unless_scheduled(
    client: TestClient, desk: dict[str, dict[str, str]]
) -> None:
    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    refused = client.post(
        "/api/blogs/storm-watch/posts",
        json={"headline": "Tomorrow", "body": "", "published_at": soon},
        headers=desk["ed"],
    )
    assert refused.status_code == 422
    assert "schedule" in refused.json()["error"]["message"]


def test_a_reporter_cannot_backdate_through_a_schedule(
    client: TestClient, desk: dict[str, dict[str, str]]
) -> None:
    past = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    draft = publish(client, desk["rita"], status="draft")
    moved = patch(client, desk["rita"], draft, status="scheduled", publish_at=past)
    assert moved.status_code == 422 and moved.json()["error"]["field"] == "publish_at"

    scheduled = publish(client, desk["rita"], status="scheduled", publish_at=future)
    edited = patch(client, desk["rita"], scheduled, publish_at=past)
    assert edited.status_code == 422 and edited.json()["error"]["field"] == "publish_at"


# Tokens and people that stop at once


def test_a_revoked_token_stops_working_at_once(
    client: TestClient, desk: dict[str, dict[str, str]]
) -> None:
    accounts = client.app.state.service.accounts  # type: ignore[attr-defined]
    publish(client, desk["rita"])
    [token] = [token for token in accounts.tokens("rita")]
    accounts.revoke_token(token.id)

    answer = client.post(
        "/api/blogs/storm-watch/posts", json={"headline": "x", "body": ""}, headers=desk["rita"]
    )
    assert answer.status_code == 401
    assert accounts.tokens("rita")[0].revoked_at is not None


def test_a_disabled_person_is_locked_out_and_their_posts_stay(
    client: TestClient, desk: dict[str, dict[str, str]]
) -> None:
    accounts = client.app.state.service.accounts  # type: ignore[attr-defined]
    post = publish(client, desk["rita"], headline="Reporter's story")
    accounts.disable("rita")

    answer = client.post(
        "/api/blogs/storm-watch/posts", json={"headline": "x", "body": ""}, headers=desk["rita"]
    )
    assert answer.status_code == 401
    page = client.get("/blogs/storm-watch").text
    assert "Reporter&#39;s story" in page or "Reporter's story" in page
    assert client.get(f"/api/blogs/storm-watch/posts/{post['id']}").status_code == 200


# The instance's default zone


def test_a_blog_opened_without_a_zone_takes_the_instance_default(tmp_path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'zone.db'}", default_timezone="Europe/Berlin"
    )
    with TestClient(create_app(settings)) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        service.accounts.add_user("ed", Role.EDITOR)
        headers = auth(service.accounts.create_token("ed"))
        made = client.post("/api/blogs", json={"title": "Wahlabend"}, headers=headers)
    assert made.status_code == 201
    assert made.json()["timezone"] == "Europe/Berlin"
