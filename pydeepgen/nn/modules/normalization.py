"""Placeholder: this family's layer classes land here (see docs/architecture.md)."""

__all__ = []
