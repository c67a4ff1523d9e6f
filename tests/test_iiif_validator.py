"""The official IIIF Image API validator against a real server on 127.0.0.1.

The validator pins old libraries, so it lives in its own virtualenv: .ci/run
makes one and names its iiif-validate.py in IIIF_VALIDATOR. It checks the
pixels of its own test image, which the shared corpus carries.
"""

import os
import subprocess
from pathlib import Path

import pytest
from iiif_helpers import ingest, live_server
from support import SHARED

TEST_IMAGE = SHARED / "corpus" / "iiif" / "67352ccc-d1b0-11e1-89ae-279075081939.png"


@pytest.fixture
def validator():
    path = os.environ.get("IIIF_VALIDATOR")
    if not path:
        pytest.skip("IIIF_VALIDATOR is not set (.ci/run sets it to iiif-validate.py in its own venv)")
    if not Path(path).is_file():
        pytest.skip(f"IIIF_VALIDATOR names no file: {path}")
    if not TEST_IMAGE.is_file():
        pytest.skip("../shared/corpus/iiif is not beside this clone (it ships only with CI)")
    return path


def test_official_validator_passes_level_2(app, db, validator):
    photo_id = ingest(app, db, TEST_IMAGE)
    with live_server(app) as base:
        server = base.removeprefix("http://")
        result = subprocess.run(
            [validator, "-s", server, "-p", "iiif/3", "-i", str(photo_id), "--version=3.0", "--level=2"],
            capture_output=True, text=True, timeout=300,
        )
    report = result.stdout + result.stderr
    assert "Done (" in report, report
    # Its exit status is the number of failed tests; bitonal is the only one allowed to fail.
    failures = [line for line in report.splitlines() if line.rstrip().endswith("FAIL")]
    assert all("quality_bitonal" in line for line in failures), report
    assert result.returncode == len(failures), report
    assert report.count(" PASS") >= 32, report
