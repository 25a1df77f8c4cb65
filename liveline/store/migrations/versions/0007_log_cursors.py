"""log_cursors: how far the CDN purger and the GRIP publisher have followed each blog's log

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_cursors",
        sa.Column("follower", sa.String(length=16), primary_key=True),
        sa.Column("blog_id", sa.Integer(), sa.ForeignKey("blogs.id"), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    # A database that ran before either existed has nothing in a CDN to purge, and no reader
    # held by a GRIP proxy to tell.
    for follower in ("purge", "grip"):
        op.execute(
            f"INSERT INTO log_cursors (follower, blog_id, seq) SELECT '{follower}', id, last_seq"
            " FROM blogs"
        )


def downgrade() -> None:
    op.drop_table("log_cursors")
