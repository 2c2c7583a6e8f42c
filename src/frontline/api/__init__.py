"""The REST API under /api/v1/: router, authentication, schema and docs."""
