"""What a benchmark prints about the machine it ran on: the CPU model and the load average."""

from __future__ import annotations

import platform
from pathlib import Path


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or ``unknown`` where /proc is absent."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what the platform module knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
