"""slack_sent: what the outbox posted on Slack under each key (looked up after an unknown outcome).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 14:33:04.720991
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('slack_sent',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('ts', sa.String(length=40), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('slack_sent')
