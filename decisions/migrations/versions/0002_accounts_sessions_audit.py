"""Advisor accounts, their sign-in sessions and wrong-password counts, and the audit of reads.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_name", name=op.f("pk_accounts")),
    )
    op.create_table(
        "advisor_sessions",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_name"], ["accounts.user_name"], ondelete="CASCADE",
                                name=op.f("fk_advisor_sessions_user_name_accounts")),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_advisor_sessions")),
    )
    op.create_index(op.f("ix_advisor_sessions_user_name"), "advisor_sessions", ["user_name"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(op.f("ix_sign_in_failures_user_name"), "sign_in_failures", ["user_name"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reader", sa.String(length=128), nullable=False),
        sa.Column("reader_kind", sa.String(length=16), nullable=False),
        sa.Column("sk_id_curr", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("shown", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_read_at"), "audit_log", ["read_at"])
    op.create_index(op.f("ix_audit_log_reader"), "audit_log", ["reader"])
    op.create_index(op.f("ix_audit_log_sk_id_curr"), "audit_log", ["sk_id_curr"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("sign_in_failures")
    op.drop_table("advisor_sessions")
    op.drop_table("accounts")
