"""Decision inputs stored zlib-compressed (``input_json_zlib``), ~6.5 times smaller than as text.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Records converted per statement round, so that a large store is never read whole.
_PAGE = 500
_DECISIONS = sa.table("decisions", sa.column("decision_id", sa.Uuid()), sa.column("input_json", sa.Text()),
                      sa.column("input_json_zlib", sa.LargeBinary()))


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("input_json_zlib", sa.LargeBinary(), nullable=True))
    _convert(source="input_json", target="input_json_zlib",
             convert=lambda text: zlib.compress(text.encode(), 1))
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("input_json")
        batch.alter_column("input_json_zlib", existing_type=sa.LargeBinary(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("input_json", sa.Text(), nullable=True))
    _convert(source="input_json_zlib", target="input_json",
             convert=lambda data: zlib.decompress(data).decode())
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("input_json_zlib")
        batch.alter_column("input_json", existing_type=sa.Text(), nullable=False)


def _convert(*, source: str, target: str, convert) -> None:
    """Fill column `target` from column `source`, a page of records at a time."""
    connection = op.get_bind()
    while page := connection.execute(sa.select(_DECISIONS.c.decision_id, _DECISIONS.c[source])
                                     .where(_DECISIONS.c[target].is_(None)).limit(_PAGE)).all():
        connection.execute(sa.update(_DECISIONS).where(_DECISIONS.c.decision_id == sa.bindparam("id"))
                           .values({target: sa.bindparam("value")}),
                           [{"id": decision_id, "value": convert(value)} for decision_id, value in page])
