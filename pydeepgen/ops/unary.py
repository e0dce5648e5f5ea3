"""Placeholder: this op family's Python wrappers land here (see docs/architecture.md)."""

__all__ = []
