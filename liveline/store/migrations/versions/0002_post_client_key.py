"""posts.client_key: a publish retried with the same Idempotency-Key finds its post

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("client_key", sa.String(length=100), nullable=True))
        batch.create_unique_constraint(
            "uq_posts_author_client_key", ["author_user_id", "client_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_constraint("uq_posts_author_client_key", type_="unique")
        batch.drop_column("client_key")
