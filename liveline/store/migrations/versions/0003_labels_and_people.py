"""posts.label, blogs.post_count, an index of events by post, users.display_name, disabled_at

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blogs") as batch:
        batch.add_column(sa.Column("post_count", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE blogs SET post_count = (SELECT count(*) FROM posts"
        " WHERE posts.blog_id = blogs.id AND posts.status = 'published')"
    )
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("label", sa.String(length=40), nullable=True))
    op.create_index("ix_events_blog_post", "events", ["blog_id", "post_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("disabled_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_events_blog_post", "events")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("display_name")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("label")
    with op.batch_alter_table("blogs") as batch:
        batch.drop_column("post_count")
