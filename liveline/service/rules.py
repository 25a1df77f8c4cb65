"""Who may change what in a post, and which states a post may be in.

Shapes and sizes are settled at the edge (`values.py`); what is left here needs the
writer's role, the post as it was, or the clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from liveline.errors import (
    N_,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionRequired,
    Say,
)
from liveline.model import EventType, Post, PostStatus, User

# Clocks disagree by a little; a post dated further ahead than this is a mistake or a
# schedule, and a schedule says so.
FUTURE_SLACK = timedelta(minutes=5)


NO_POST = N_("no post %(id)s in %(slug)r")
# What a contributor may set a post to: their words wait for an editor.
CONTRIBUTOR_STATUSES = frozenset({PostStatus.DRAFT, PostStatus.SUBMITTED})


def check_role(user: User, values: dict[str, Any], *, creating: bool) -> None:
    if user.role.edits_anything:
        return
    status = values.get("status", PostStatus.PUBLISHED if creating else None)
    if not user.role.publishes and status is not None and status not in CONTRIBUTOR_STATUSES:
        raise Forbidden(
            N_('a contributor\'s post goes to an editor first: send "status": "submitted"'),
            field="status",
        )
    if values.get("pinned") or (not creating and "pinned" in values):
        raise Forbidden(N_("only editors can pin or unpin a post"), field="pinned")
    if "published_at" in values and values["published_at"] is not None:
        raise Forbidden(N_("only editors can correct a post's time"), field="published_at")


def check_owner(user: User, before: Post) -> None:
    if user.role.edits_anything:
        return
    if before.author_user_id != user.id:
        # The role's name is marked in web/words.py.
        raise Forbidden(N_("%(role)ss can change only their own posts"), role=Say(str(user.role)))
    if not user.role.publishes and before.status not in CONTRIBUTOR_STATUSES:
        raise Forbidden(N_("once an editor has published a contribution, only editors change it"))


def may_change(user: User, post: Post) -> bool:
    """Whether `check_owner` lets this person edit or delete this post (for the desk's links)."""
    try:
        check_owner(user, post)
    except Forbidden:
        return False
    return True


def may_see(user: User, post: Post) -> bool:
    """Whether the desk shows this person this post, as its tabs do (`Review.tab`): drafts and
    contributions are their author's (and editors'), deleted posts editors', the schedule and
    the published posts everyone's."""
    if post.status in (PostStatus.PUBLISHED, PostStatus.SCHEDULED):
        return True
    if post.status == PostStatus.DELETED:
        return user.role.edits_anything
    return user.role.edits_anything or post.author_user_id == user.id


def check_changeable(before: Post | None, post_id: int, slug: str) -> Post:
    if before is None or before.status == PostStatus.DELETED:
        raise NotFound(NO_POST, id=post_id, slug=slug)
    return before


def require_version(version: int | None) -> int:
    if version is None:
        raise PreconditionRequired(
            N_("send If-Match with the post's version, so an edit cannot overwrite a newer one")
        )
    return version


def check_version(before: Post, version: int) -> None:
    if before.version != version:
        raise Conflict(
            N_(
                "post %(id)s is at version %(now)s, not %(yours)s: someone saved it since you "
                "loaded it; reload and edit again"
            ),
            current_version=before.version,
            id=before.id,
            now=before.version,
            yours=version,
        )


def check_times(values: dict[str, Any], before: Post | None, now: datetime) -> None:
    """The post as it will be: a schedule lies ahead, a publication time not (by much).

    Checked on the outcome, not on the fields sent, so that no path — a draft moved to a
    schedule, a scheduled post edited later — can set a time in the past and backdate."""
    status = values.get("status", before.status if before else PostStatus.PUBLISHED)
    publish_at = values.get("publish_at", before.publish_at if before else None)
    if status == PostStatus.SCHEDULED:
        if publish_at is None:
            raise Invalid(N_("a scheduled post needs publish_at"), field="publish_at")
        rescheduled = before is None or before.status != PostStatus.SCHEDULED
        if (rescheduled or "publish_at" in values) and publish_at <= now:
            raise Invalid(N_("publish_at must be in the future"), field="publish_at")
    published_at = values.get("published_at")
    if published_at is not None and published_at > now + FUTURE_SLACK:
        raise Invalid(
            N_(
                "published_at is in the future; to publish later, schedule the post "
                '("status": "scheduled" with publish_at)'
            ),
            field="published_at",
        )


def event_type(before: Post, after: Post) -> EventType | None:
    """What a reader sees change; edits to drafts are nobody's business but the desk's."""
    if not after.is_visible:
        return EventType.POST_DELETED if before.is_visible else None
    if not before.is_visible:
        return EventType.POST_PUBLISHED
    if before.pinned != after.pinned:
        return EventType.POST_PINNED if after.pinned else EventType.POST_UNPINNED
    return EventType.POST_UPDATED
