"""Recommendations (需求推荐): a need in, ranked providers with their reasons out."""
