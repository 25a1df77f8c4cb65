"""media, media_blobs, embeds: uploaded pictures, their files when the database keeps them,
and what embed providers said of posted URLs

Revision ID: 0006
Revises: 0005

(0004, sessions, is being written beside this one; whoever merges second chains them by
setting this down_revision to "0004".)
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("original_key", sa.String(length=60), nullable=False),
        sa.Column("renditions", sa.JSON(), nullable=False),
        sa.Column("caption", sa.String(length=2000)),
        sa.Column("credit", sa.String(length=300)),
        sa.Column("alt", sa.String(length=2000)),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "media_blobs",
        sa.Column("key", sa.String(length=60), primary_key=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "embeds",
        sa.Column("url", sa.String(length=2000), primary_key=True),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("answer", sa.JSON()),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("embeds")
    op.drop_table("media_blobs")
    op.drop_table("media")
