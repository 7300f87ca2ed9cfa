"""Cold start: median wall time of `ponder --help` (target <= 0.35 s on 2 cores).

Run: .venv/bin/python benchmarks/cold_start.py [--runs 15]
Prints the median and, for reference, the cost of `import llama_index.core` in a fresh process.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def time_command(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ponder = shutil.which("ponder") or str(Path(sys.executable).with_name("ponder"))
    help_times = time_command([ponder, "--help"], args.runs)
    run_help = time_command([ponder, "run", "--help"], args.runs)
    llama = time_command([sys.executable, "-c", "import llama_index.core"], max(3, args.runs // 3))
    bare = time_command([sys.executable, "-c", "pass"], args.runs)
    print(f"python -c pass               median {statistics.median(bare):.3f} s")
    print(f"ponder --help                median {statistics.median(help_times):.3f} s  (target <= 0.35 s)")
    print(f"ponder run --help            median {statistics.median(run_help):.3f} s")
    print(f"import llama_index.core      median {statistics.median(llama):.3f} s  (reference: what --help avoids)")
    print(f"ratio ponder --help / import llama_index.core = {statistics.median(help_times) / statistics.median(llama):.2f}")


if __name__ == "__main__":
    main()
