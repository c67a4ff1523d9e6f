"""The search benchmark still runs end to end (on a tiny archive; no timing is asserted)."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "search.py"


def test_benchmark_runs_and_prints_its_table():
    result = subprocess.run([sys.executable, str(BENCH), "--photos", "300", "--repeats", "2",
                             "--baseline-repeats", "1"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "built 300 photos" in result.stdout
    assert result.stdout.count("x\n") == 20  # one row, with its speed-up, per query
    assert "target p95 <= 50 ms" in result.stdout
