"""Alembic migrations of the monitoring database (run by ``chainward.monitor.db.migrate``)."""
