"""The distribution installs one import name, `healthcrawl`, with the user-facing folders
(`extractors/`, `output/`, `spiders/`, `sample_site/`) mapped under it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import healthcrawl

REPO = Path(__file__).resolve().parents[2]


def test_wheel_has_one_top_level_name(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: setuptools builds in the source tree
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info"))
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path)]
    subprocess.run([*command, str(source)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("healthcrawl-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"healthcrawl"}
    assert "healthcrawl/extractors/boilerplate.py" in names
    assert "healthcrawl/spiders/settings.py" in names
    assert "healthcrawl/output/schema/record.v1.json" in names
    assert "healthcrawl/sample_site/site/robots.txt" in names


def test_public_api() -> None:
    assert set(healthcrawl.__all__) >= {"ExtractionError", "Record", "extract"}
    assert all(hasattr(healthcrawl, name) for name in healthcrawl.__all__)


def test_scrapy_list_from_the_repo_root() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("scrapy")), "list"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.split() == ["gard", "mayoclinic", "pages", "sitemap"]
