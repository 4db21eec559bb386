"""Choices of the 民主评议 pages."""
from __future__ import annotations

from ..models import Grade

GRADE_CHOICES = [("", "—")] + list(Grade.choices)
