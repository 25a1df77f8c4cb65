"""An index that serves a page's pinned posts and its unpinned page alike

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Without `pinned` in an index, finding a blog's pinned posts read every published post
    # of the blog: a 5,000-post blog's page cost three times a 9-post blog's.
    op.create_index(
        "ix_posts_blog_status_pinned_published",
        "posts",
        ["blog_id", "status", "pinned", "published_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_posts_blog_status_pinned_published", "posts")
