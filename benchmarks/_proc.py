"""Helpers shared by the benchmark scripts (imported from their own folder)."""
import os
from pathlib import Path


def proc_cpu(pids) -> float:
    """utime + stime in seconds of the given processes (Linux /proc); processes gone meanwhile count as 0."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, IndexError, ValueError):
            pass
    return total / tick
