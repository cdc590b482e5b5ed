"""The daemon: channel pauses, daemon heartbeats, channel order (after), an index of publications by time.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('channel_states',
    sa.Column('channel', sa.String(length=100), nullable=False),
    sa.Column('paused_reason', sa.Text(), nullable=True),
    sa.Column('pause_kind', sa.String(length=20), nullable=True),
    sa.Column('paused_at', sa.DateTime(), nullable=True),
    sa.Column('resume_at', sa.DateTime(), nullable=True),
    sa.Column('last_sent_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_channel_states'))
    )
    op.create_table('daemons',
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=50), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=False),
    sa.Column('stopped_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('owner', name=op.f('pk_daemons'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel_after', sa.JSON(), nullable=True))

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wait_for', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_deliveries_status_published_at'), ['status', 'published_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_status_published_at'))
        batch_op.drop_column('wait_for')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('channel_after')

    op.drop_table('daemons')
    op.drop_table('channel_states')

