"""The schema as it was before migrations: every table of the core and the adapters.

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-03 14:33:04.535767
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversations',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('incident_counters',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=True),
    sa.Column('playbook', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reporter_platform', sa.String(length=16), nullable=False),
    sa.Column('reporter_id', sa.String(length=128), nullable=False),
    sa.Column('reporter_name', sa.String(length=128), nullable=False),
    sa.Column('owner_id', sa.String(length=128), nullable=True),
    sa.Column('excluded', sa.JSON(), nullable=False),
    sa.Column('excluded_role', sa.String(length=64), nullable=False),
    sa.Column('member_roles', sa.JSON(), nullable=False),
    sa.Column('access_roles', sa.JSON(), nullable=False),
    sa.Column('chain_roles', sa.JSON(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('lang', sa.String(length=2), nullable=False),
    sa.Column('space_id', sa.String(length=128), nullable=False),
    sa.Column('card_id', sa.String(length=128), nullable=False),
    sa.Column('briefing_draft', sa.Text(), nullable=False),
    sa.Column('briefing_sent', sa.Boolean(), nullable=False),
    sa.Column('briefing_offered', sa.Boolean(), nullable=False),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('where', sa.Text(), nullable=False),
    sa.Column('since', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number'),
    sa.UniqueConstraint('source_key')
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('target', sa.JSON(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_status'), ['status'], unique=False)

    op.create_table('slack_events',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('slack_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_events_seen_at'), ['seen_at'], unique=False)

    op.create_table('teams_activities',
    sa.Column('activity_id', sa.String(length=200), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('activity_id')
    )
    with op.batch_alter_table('teams_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_activities_seen_at'), ['seen_at'], unique=False)

    op.create_table('teams_people',
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('teams_id', sa.String(length=200), nullable=False),
    sa.Column('upn', sa.String(length=320), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('conversation_id', sa.String(length=400), nullable=False),
    sa.Column('service_url', sa.String(length=400), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('object_id')
    )
    with op.batch_alter_table('teams_people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_people_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_teams_people_teams_id'), ['teams_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_teams_people_upn'), ['upn'], unique=False)

    op.create_table('teams_sent',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('conversation_id', sa.String(length=400), nullable=False),
    sa.Column('activity_ids', sa.JSON(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('teams_spaces',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('conversation_id', sa.String(length=400), nullable=False),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('copies', sa.JSON(), nullable=False),
    sa.Column('ready', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('web_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=200), nullable=False),
    sa.Column('only_for', sa.String(length=128), nullable=True),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('web_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_messages_channel'), ['channel'], unique=False)

    op.create_table('web_spaces',
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('escalations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('window_minutes', sa.Integer(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_status'), ['status'], unique=False)

    op.create_table('incident_checklist',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=64), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('done_by', sa.String(length=128), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('incident_id', 'step_id')
    )
    op.create_table('incident_chronology',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('web_space_members',
    sa.Column('space', sa.String(length=128), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['space'], ['web_spaces.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('space', 'user_id')
    )


def downgrade() -> None:
    op.drop_table('web_space_members')
    op.drop_table('incident_chronology')
    op.drop_table('incident_checklist')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalations_status'))

    op.drop_table('escalations')
    op.drop_table('web_spaces')
    with op.batch_alter_table('web_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_messages_channel'))

    op.drop_table('web_messages')
    op.drop_table('teams_spaces')
    op.drop_table('teams_sent')
    with op.batch_alter_table('teams_people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teams_people_upn'))
        batch_op.drop_index(batch_op.f('ix_teams_people_teams_id'))
        batch_op.drop_index(batch_op.f('ix_teams_people_email'))

    op.drop_table('teams_people')
    with op.batch_alter_table('teams_activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teams_activities_seen_at'))

    op.drop_table('teams_activities')
    with op.batch_alter_table('slack_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_events_seen_at'))

    op.drop_table('slack_events')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_status'))

    op.drop_table('outbox')
    op.drop_table('incidents')
    op.drop_table('incident_counters')
    op.drop_table('conversations')
