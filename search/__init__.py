"""Meilisearch integration, split by job: settings, documents, queries, client, sync, server."""
