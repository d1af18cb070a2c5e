"""The agreed record as it was signed off (meetings.record_snapshot)

Revision ID: 5b7c1e2d9a40
Revises: 3fd9f6250de5
Create Date: 2026-12-01 23:45:00

Records agreed before this revision have no snapshot: they are shown from the case's data as it
is now, as they always were (services.record.record_of).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7c1e2d9a40'
down_revision = '3fd9f6250de5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_snapshot', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('record_snapshot')
