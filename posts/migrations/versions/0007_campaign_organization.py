"""A campaign's own organisation (``[campaign.organization]`` in its file): the agency, signer and recipients its
report and banners carry instead of config.toml's.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('organization')
