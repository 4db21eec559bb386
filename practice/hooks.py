"""What practice hands to apps above it, without importing them (issue #15: imports only point down).

evaluations registers its 整改 service in AppConfig.ready(); practice calls it through here and, while none is
registered, leaves the finding pending (as before, when the service could not be imported).
"""
from __future__ import annotations

from collections.abc import Callable

_rectification_create: Callable | None = None


def register_rectification_create(func: Callable) -> None:
    """func(*, organization, problem, requirement, due_on, responsible_person, source, by, source_note) -> Rectification"""
    global _rectification_create
    _rectification_create = func


def rectification_create() -> Callable | None:
    return _rectification_create
