"""Signals of the members app for the apps above it (which it cannot import).

members_bulk_written: sent inside the writing transaction after a bulk write of Member rows that bypasses save()
(an import), with `branch_ids`: the branches whose members changed. orglife.results refreshes its stored compliance
results of those branches (an active member is a per-member rule's requirement).
"""
from django.dispatch import Signal

members_bulk_written = Signal()
