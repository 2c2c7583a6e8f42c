"""Base classes every domain app builds on: scoping, services, views, API, audit hooks."""
