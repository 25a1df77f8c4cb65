"""blog_language: each blog's language, a BCP 47 tag ("en-US", "de-DE")

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every blog before this was shown in American English, AP style: it stays so.
    with op.batch_alter_table("blogs") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=35), nullable=False, server_default="en-US")
        )


def downgrade() -> None:
    with op.batch_alter_table("blogs") as batch:
        batch.drop_column("language")
