"""How many CPU threads a training uses: the CPUs this process may run on, less those that other
busy work is using now.

torch's OpenMP threads spin while they wait for each other; beside another CPU-bound process on a
2-core machine, two of them made a training step 2.9x slower than alone, one thread 1.9x
(benchmarks/busy.py). So `train.threads=0` (the default) counts the other tasks that are running
at normal priority (niced work yields to us, so it does not count) and leaves their cores to them.
Nothing is set globally: scikit-learn and the environment keep their own settings.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

SAMPLES, INTERVAL = 5, 0.05  # looks at the run queue, seconds apart (a quarter second in all)


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, as taskset or a container sets it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def busy_tasks(proc: Path = Path("/proc")) -> float:
    """Other tasks (threads of other processes) running or ready to run at this process's priority or
    above, averaged over a few looks; 0 where /proc cannot be read."""
    own_nice = os.getpriority(os.PRIO_PROCESS, 0)
    counts = []
    for look in range(SAMPLES):
        if look:
            time.sleep(INTERVAL)
        count = 0
        for stat in proc.glob("[0-9]*/task/[0-9]*/stat"):
            if stat.parts[-4] == str(os.getpid()):
                continue
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue  # the task ended while we looked
            state, nice = fields[0], int(fields[16])  # fields 3 and 19 of proc(5), after the name
            count += state == "R" and nice <= own_nice
        counts.append(count)
    return sum(counts) / len(counts)


def choose_threads(requested: int = 0) -> int:
    """`requested` if above 0; else the usable CPUs less the busy tasks, at least 1."""
    if requested > 0:
        return requested
    return max(1, usable_cpus() - round(busy_tasks()))
