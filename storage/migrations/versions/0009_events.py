"""events and RSVPs, member settings

Revision ID: 0009_events
Revises: 0007_console
Create Date: 2026-12-02 18:31:35.605079
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0009_events"
down_revision = "0007_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The lane of a message is found by its ref on every edit (storage.repos.ref_channel_key).
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_ref_kind", ["ref", "kind", "id"], unique=False)
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("starts_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("slot", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("zone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("rrule", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("repeat_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("min_going", sa.Integer(), nullable=True),
        sa.Column("decide_before_s", sa.Integer(), nullable=True),
        sa.Column("claim_within_s", sa.Integer(), nullable=True),
        sa.Column("remind_s", sa.JSON(), nullable=False),
        sa.Column("rsvp_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("over", sa.Boolean(), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column(
            "created_by_display", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("going", sa.Integer(), nullable=False),
        sa.Column("maybe", sa.Integer(), nullable=False),
        sa.Column("declined", sa.Integer(), nullable=False),
        sa.Column("waitlist", sa.Integer(), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("next_wait", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_community_id"), ["community_id"], unique=False)
        batch_op.create_index("ix_event_series", ["series_id", "starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_status"), ["status"], unique=False)

    op.create_table(
        "member_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "user_id"),
    )
    with op.batch_alter_table("member_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_settings_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "event_rsvp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("wait_seq", sa.Integer(), nullable=True),
        sa.Column("offer_expires_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "user_id"),
    )
    with op.batch_alter_table("event_rsvp", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_rsvp_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "ix_event_rsvp_queue", ["event_id", "state", "wait_seq"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_ref_kind")
    with op.batch_alter_table("event_rsvp", schema=None) as batch_op:
        batch_op.drop_index("ix_event_rsvp_queue")
        batch_op.drop_index(batch_op.f("ix_event_rsvp_event_id"))

    op.drop_table("event_rsvp")
    with op.batch_alter_table("member_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_settings_community_id"))

    op.drop_table("member_settings")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_status"))
        batch_op.drop_index(batch_op.f("ix_event_starts_at"))
        batch_op.drop_index("ix_event_series")
        batch_op.drop_index(batch_op.f("ix_event_community_id"))

    op.drop_table("event")
