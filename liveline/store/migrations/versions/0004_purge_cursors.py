"""purge_cursors: how far each blog's log has been purged from the CDN

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "purge_cursors",
        sa.Column("blog_id", sa.Integer(), sa.ForeignKey("blogs.id"), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
    )
    # A database that ran before purges existed has nothing in any CDN to purge.
    op.execute("INSERT INTO purge_cursors (blog_id, seq) SELECT id, last_seq FROM blogs")


def downgrade() -> None:
    op.drop_table("purge_cursors")
