"""The report's figures of one campaign read an index on (campaign_id, kind, channel, delivery_id): the entries per
kind and channel, and each delivery's latest metrics snapshot, are counted from the index alone (with 100,000
entries, no row is read for them), and one kind's rows are found without reading the others'.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outreach_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outreach_entries_campaign_id_kind_channel_delivery_id'),
                              ['campaign_id', 'kind', 'channel', 'delivery_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outreach_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_entries_campaign_id_kind_channel_delivery_id'))
