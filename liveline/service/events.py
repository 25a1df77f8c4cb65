"""What the public log says of a change: only what readers may see.

The event log is public (the stream replays it, the polling endpoint serves it), so a
payload carries a post's text only while the post is published. A post taken down — deleted,
sent back to draft, or moved to a schedule — is logged as its id and nothing more: an
embargoed or withdrawn sentence never enters the log.

And the log does not keep what was taken back. When a post changes, its earlier entries are
rewritten to its current public state (`rewritten`): a reader replaying the log sees the
corrected text under every seq, or, for a deleted post, its id alone. The seqs, types and
order stay as they were, so a replay is still exact; only the words that were withdrawn are
gone. (The post's own history, for the desk, is kept in the posts table's versions, not here.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from liveline.model import Blog, Post

# Never public, whatever the post's state: who wrote it in the system, and its schedule.
PRIVATE_POST_FIELDS = frozenset({"publish_at"})


def public_post(post: Post) -> dict[str, Any]:
    """The post as readers may see it: its published form, or its id alone."""
    if not post.is_visible:
        return {"id": post.id, "status": "deleted"}
    data = post.to_json()
    for name in PRIVATE_POST_FIELDS:
        data.pop(name, None)
    return data


def post_payload(post: Post, post_count: int, now: datetime) -> dict[str, Any]:
    # The blog's state after this change rides along, for the reader's "Updated" line and count.
    return {
        "post": public_post(post),
        "blog": {"post_count": post_count, "updated_at": now.isoformat()},
    }


def blog_payload(blog: Blog, now: datetime) -> dict[str, Any]:
    state = {**blog.to_json(), "updated_at": now.isoformat()}
    del state["last_seq"]  # the event's own seq says it
    return {"blog": state}


def rewritten(payload: dict[str, Any], current: dict[str, Any], by_seq: int) -> dict[str, Any]:
    """An earlier entry of a post's, showing the post as it is now."""
    return {**payload, "post": current, "revision": by_seq}
