"""blogs.summary and its versions ("What we know"), and the blog's own branding

Revision ID: 0009
Revises: 0008

(Another 0008 adds the blog's `language` beside this one; whoever merges second chains them
by setting one's down_revision to the other's revision.)
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blogs") as batch:
        batch.add_column(sa.Column("summary", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("summary_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("brand_name", sa.String(length=200)))
        batch.add_column(sa.Column("logo_url", sa.String(length=2000)))
        batch.add_column(sa.Column("accent_color", sa.String(length=7)))
        batch.add_column(sa.Column("favicon_url", sa.String(length=2000)))
    op.create_table(
        "summary_versions",
        sa.Column("blog_id", sa.Integer(), sa.ForeignKey("blogs.id"), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("saved_by", sa.String(length=200)),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("summary_versions")
    with op.batch_alter_table("blogs") as batch:
        for name in ("favicon_url", "accent_color", "logo_url", "brand_name"):
            batch.drop_column(name)
        batch.drop_column("summary_version")
        batch.drop_column("summary")
