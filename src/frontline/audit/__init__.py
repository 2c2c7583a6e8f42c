"""The change log and the personal-data access log, both append-only."""
