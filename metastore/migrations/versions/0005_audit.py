"""audit: change log, table versions and notification events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 12:30:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # placeholder, filled in by its feature branch


def downgrade() -> None:
    pass
