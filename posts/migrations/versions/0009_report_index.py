"""The report's reads of one kind of entry in one campaign (published, metrics, failed, offline…) go through an
index on (campaign_id, kind, at): with 100,000 entries, the rows of the other kinds are never read.

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
        batch_op.create_index(batch_op.f('ix_outreach_entries_campaign_id_kind_at'), ['campaign_id', 'kind', 'at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outreach_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outreach_entries_campaign_id_kind_at'))
