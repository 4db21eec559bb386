"""Dates the demo data must respect, so a 党务工作者 believes it (no record studies a meeting not yet held)."""
from __future__ import annotations

from datetime import date

# (words in a topic, the day the event ended, what was current before it)
EVENTS = [
    ("二十届四中全会", date(2025, 10, 23), "二十届三中全会"),   # held 2025-10-20..23
    ("二十届三中全会", date(2024, 7, 18), "二十大"),            # held 2024-07-15..18
]


def in_time(topic: str, on: date) -> str:
    """`topic` as it could have been studied on `on`: a later plenary session is replaced by the one then current."""
    for words, ended, before in EVENTS:
        if words in topic and on <= ended:
            topic = topic.replace(words, before)
    return topic
