"""media.source and media.crop: a crop or rotation is an upload of its own that names the
original it was cut from; embeds.attempts, retry_at, blog_id and post_id: an unreachable
provider is asked again a few times, after a restart too, and the post is then updated

Revision ID: 0008
Revises: 0007

(Other 0008 migrations may be written beside this one; whoever merges second re-chains.)
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media") as table:
        table.add_column(sa.Column("source", sa.String(length=32)))
        table.add_column(sa.Column("crop", sa.JSON()))
    with op.batch_alter_table("embeds") as table:
        table.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
        table.add_column(sa.Column("retry_at", sa.DateTime()))
        table.add_column(sa.Column("blog_id", sa.Integer()))
        table.add_column(sa.Column("post_id", sa.Integer()))


def downgrade() -> None:
    with op.batch_alter_table("embeds") as table:
        for name in ("post_id", "blog_id", "retry_at", "attempts"):
            table.drop_column(name)
    with op.batch_alter_table("media") as table:
        table.drop_column("crop")
        table.drop_column("source")
