"""An index for the tracker's recently closed actions, by family

Revision ID: 8e4f2a6c1d37
Revises: 5b7c1e2d9a40
Create Date: 2026-12-02 00:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8e4f2a6c1d37'
down_revision = '5b7c1e2d9a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_case_id_closed_at', ['case_id', 'closed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_case_id_closed_at')
