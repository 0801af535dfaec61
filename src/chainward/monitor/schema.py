"""The monitoring database schema (SQLAlchemy Core); alembic migrations create it.

Package identities are deduplicated (``packages``) and linked to project versions
(``version_components``), so that a new advisory for a package name finds every
affected project through one index. Findings keep their history: ``first_seen``,
``fixed_at`` and one ``finding_events`` row per transition. Webhook deliveries go
through ``outbox`` rows written in the same transaction as the findings they report.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

project_versions = Table(
    "project_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("version", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("source_format", String(40), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("component_count", Integer, nullable=False, default=0),
    Column("model_count", Integer, nullable=False, default=0),
    Column("skipped", JSON, nullable=False),
    UniqueConstraint("project_id", "version", name="uq_project_version"),
)

packages = Table(
    "packages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ecosystem", String(50), nullable=False),
    Column("name", String(300), nullable=False),
    Column("version", String(200), nullable=False),
    Column("purl", String(1000), nullable=False),
    UniqueConstraint("ecosystem", "name", "version", name="uq_package"),
    Index("ix_packages_name", "name"),
)

version_components = Table(
    "version_components",
    metadata,
    Column(
        "version_id",
        ForeignKey("project_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("package_id", ForeignKey("packages.id"), primary_key=True),
    Column("scope", String(20), nullable=False),
    Index("ix_version_components_package", "package_id"),
)

model_artifacts = Table(
    "model_artifacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", ForeignKey("project_versions.id", ondelete="CASCADE"), nullable=False),
    Column("path", String(2000), nullable=False),
    Column("format", String(50), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=True),
    Index("ix_model_artifacts_sha256", "sha256"),
    Index("ix_model_artifacts_version", "version_id"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", ForeignKey("project_versions.id", ondelete="CASCADE"), nullable=False),
    Column("package_id", ForeignKey("packages.id"), nullable=False),
    Column("advisory_id", String(100), nullable=False),
    Column("aliases", JSON, nullable=False),
    Column("severity", Integer, nullable=False),
    Column("summary", Text, nullable=False),
    Column("fix_versions", JSON, nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("fixed_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("version_id", "package_id", "advisory_id", name="uq_finding"),
    Index("ix_findings_advisory", "advisory_id"),
    Index("ix_findings_package", "package_id"),
)

finding_events = Table(
    "finding_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("finding_id", ForeignKey("findings.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_finding_events_finding", "finding_id"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=True),
    Column("advisory_id", String(100), nullable=False),
    Column("package", String(300), nullable=True),
    Column("versions", String(500), nullable=True),
    Column("state", String(30), nullable=False),
    Column("justification", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Index("ix_suppressions_advisory", "advisory_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scope", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("secret", String(500), nullable=True),
    Column("format", String(10), nullable=False),
    Column("events", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("webhook_id", ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("event_key", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("dead", Boolean, nullable=False, default=False),
    Column("last_error", Text, nullable=True),
    UniqueConstraint("webhook_id", "event_key", name="uq_outbox_event"),
    Index("ix_outbox_due", "delivered_at", "dead", "next_attempt_at"),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("source", String(2000), nullable=False),
    Column("changed_advisories", Integer, nullable=False, default=0),
    Column("versions_evaluated", Integer, nullable=False, default=0),
    Column("new_findings", Integer, nullable=False, default=0),
    Column("fixed_findings", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
)

__all__ = [
    "api_tokens",
    "finding_events",
    "findings",
    "metadata",
    "model_artifacts",
    "outbox",
    "packages",
    "project_versions",
    "projects",
    "settings",
    "suppressions",
    "sync_runs",
    "version_components",
    "webhooks",
]
