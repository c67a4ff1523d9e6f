"""The search benchmark still runs end to end (on a tiny archive; no timing is asserted)."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "search.py"


def test_benchmark_runs_and_prints_its_table(tmp_path):
    result = subprocess.run([sys.executable, str(BENCH), "--photos", "300", "--repeats", "2", "--before-repeats", "1",
                             "--baseline-repeats", "1", "--workers", "1", "--cold-repeats", "1", "--cache", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "archive of 300 photos" in result.stdout and (tmp_path / "photos-300-v2" / "done").exists()
    assert "edit a caption, then search for its word" in result.stdout and "(found)" in result.stdout
    assert result.stdout.count("x\n") == 20  # one row, with its speed-up, per query
    assert " NO " not in result.stdout  # both designs give the same answers (unstacked)
    assert "target p95 <= 50 ms" in result.stdout and "cold start of a fresh process" in result.stdout
    assert result.stdout.count("memory (PSS)") == 2
