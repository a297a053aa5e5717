"""`healthcrawl extract` under the time budget per page: a page whose extraction runs over
--page-timeout, or whose worker dies, is one stderr line and exit status 1; its worker is
replaced, and every other page's record is written, in input order.

The slow page is real: 60,000 distinct paragraphs (5.6 MB), which take the extractor over ten
seconds, so a 1 s budget stops it with room to spare on a fast machine.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from healthcrawl.output.cli import main
from tests.cli_pages import run_extract, write_article, write_articles
from tests.processes import HAS_PROC, alive, children

needs_proc = pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
CLI = [sys.executable, "-m", "healthcrawl.output.cli", "extract"]
REPO = Path(__file__).resolve().parents[2]
TIMEOUT_LINE = "{}: timeout: extraction took over 1 s (the page time budget)\n"


def slow_page(paragraphs: int = 60_000) -> str:
    """An article too long to extract in a second: the extractor handles about half a MB/s."""
    text = "".join(
        f"<p>Paragraph {n}: a fever is a temporary rise in body temperature, often due to an "
        "illness.</p>"
        for n in range(paragraphs)
    )
    return f"<html><head><title>Slow</title></head><body><main>{text}</main></body></html>"


def _folder(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """Pages page0-2, then the slow page, then page3-5 (sorted): the folder, the slow page, and
    the titles of the records expected."""
    folder = tmp_path / "pages"
    write_articles(folder / "a", 3)
    slow = folder / "b" / "slow.html"
    slow.parent.mkdir()
    slow.write_text(slow_page(), "utf-8")
    for n in range(3, 6):
        write_article(folder / "c" / f"page{n}.html", f"Topic {n}")
    return folder, slow, [f"Topic {n}" for n in range(6)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_page_over_the_budget_is_skipped_and_the_others_written(
    tmp_path: Path, jobs: str
) -> None:
    folder, slow, titles = _folder(tmp_path)
    out = tmp_path / "out.jsonl"
    started = time.monotonic()
    done = run_extract(str(folder), "-o", str(out), "--jobs", jobs, "--page-timeout", "1")
    assert time.monotonic() - started < 30  # the slow page alone would take longer
    assert done.returncode == 1
    assert done.stderr == TIMEOUT_LINE.format(slow)
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [record["title"] for record in records] == titles


@needs_proc
def test_the_worker_over_the_budget_is_killed_and_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    folder, slow, titles = _folder(tmp_path)
    caplog.set_level(logging.INFO, logger="healthcrawl.workers")
    assert main(["extract", str(folder), "--jobs", "1", "--page-timeout", "1"]) == 1
    out, err = capsys.readouterr()
    assert err == TIMEOUT_LINE.format(slow)
    assert out.count("\n") == len(titles)
    (message,) = caplog.messages
    found = re.fullmatch(
        r"worker (\d+) ran over the 1 s budget on (.+); worker (\d+) takes its place", message
    )
    assert found is not None and found[2] == str(slow), message
    killed, replacement = int(found[1]), int(found[3])
    assert killed != replacement and alive({killed}) == set()


@needs_proc
def test_a_worker_killed_mid_page_is_a_skip_and_the_batch_goes_on(tmp_path: Path) -> None:
    """The kernel's OOM killer, played by the test: SIGKILL to the worker on the slow page."""
    folder, slow, titles = _folder(tmp_path)
    out = tmp_path / "out.jsonl"
    cli = subprocess.Popen(
        [*CLI, str(folder), "-o", str(out), "--jobs", "1"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _lines(out) < 3:
            time.sleep(0.05)
        time.sleep(0.5)  # the worker has moved on to the slow page (ten seconds of work)
        (worker,) = children(cli.pid)
        os.kill(worker, signal.SIGKILL)
        _, err = cli.communicate(timeout=60)
    finally:
        cli.kill()
    assert cli.returncode == 1
    assert err == (
        f"{slow}: worker_died: the worker extracting it was killed by SIGKILL; a new worker took"
        " its place\n"
    )
    assert _lines(out) == len(titles)


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_page_timeout_must_be_a_positive_number(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["extract", "page.html", "--page-timeout", value])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "healthcrawl extract: error: argument --page-timeout: must be a positive number of "
        f"seconds, got {value}"
    )
