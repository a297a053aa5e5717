"""`healthcrawl extract`: run for real (subprocess) and in-process; exact records, lines, codes."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import pty
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from healthcrawl.output.cli import main
from healthcrawl.output.validate import validate
from tests.cli_pages import CLI, REPO, article_html, run_extract, write_article, write_articles
from tests.processes import HAS_PROC, children, wait_gone

URL = "https://example.org/health/fever"
TORN_WARNING = "{}: dropped a torn last line ({} bytes) left by an interrupted run"


def _records(jsonl: str) -> list[dict[str, Any]]:
    """Parse JSONL output, checking every line is whole and validates."""
    assert jsonl == "" or jsonl.endswith("\n")
    records = [json.loads(line) for line in jsonl.splitlines()]
    for n, record in enumerate(records, 1):
        validate(record, label=f"record {n}")
    return records


def test_one_record_per_page_in_input_order(tmp_path: Path) -> None:
    second = write_article(tmp_path / "b.html", "Bronchitis")
    first = write_article(tmp_path / "a.html", "Asthma")
    done = run_extract(str(second), str(first))
    assert (done.returncode, done.stderr) == (0, "")
    records = _records(done.stdout)
    assert [r["title"] for r in records] == ["Bronchitis", "Asthma"]
    assert [r["url"] for r in records] == [None, None]
    assert [r["source"] for r in records] == ["generic", "generic"]


def test_directory_expands_recursively_sorted_and_only_html_suffixes(tmp_path: Path) -> None:
    root = tmp_path / "pages"
    write_article(root / "z.html", "Zoster")
    write_article(root / "m.htm", "Measles")
    write_article(root / "sub" / "a.xhtml", "Anaemia")
    (root / "sub" / "deeper").mkdir(parents=True)
    gz = article_html("Gout").encode("utf-8")
    (root / "sub" / "deeper" / "g.html.gz").write_bytes(gzip.compress(gz))
    write_article(root / "UPPER.HTML", "Upper")  # suffixes match case-insensitively
    for ignored in ("notes.txt", "page.html.bak", "page.json", "x.gz"):
        write_article(root / ignored, "Ignored")
    done = run_extract(str(root))
    assert (done.returncode, done.stderr) == (0, "")
    # sorted as strings: "pages/UPPER" < "pages/m.htm" < "pages/sub/..." < "pages/z"
    titles = [r["title"] for r in _records(done.stdout)]
    assert titles == ["Upper", "Measles", "Anaemia", "Gout", "Zoster"]


def test_files_and_directories_mix_in_argument_order(tmp_path: Path) -> None:
    write_article(tmp_path / "dir" / "b.html", "Bronchitis")
    write_article(tmp_path / "dir" / "a.html", "Asthma")
    single = write_article(tmp_path / "single.html", "Sepsis")
    done = run_extract(str(single), str(tmp_path / "dir"), str(single))
    assert done.returncode == 0
    titles = [r["title"] for r in _records(done.stdout)]
    assert titles == ["Sepsis", "Asthma", "Bronchitis"]
    assert done.stderr == "healthcrawl extract: 1 record already in stdout, not written again\n"


def test_stdin_dash(tmp_path: Path) -> None:
    done = run_extract("-", "--url", URL, stdin=article_html("Croup").encode("utf-8"))
    assert (done.returncode, done.stderr) == (0, "")
    [record] = _records(done.stdout)
    assert (record["title"], record["url"]) == ("Croup", URL)


def test_stdin_only_once(tmp_path: Path) -> None:
    done = run_extract("-", "-")
    assert done.returncode == 2
    assert done.stdout == ""
    assert (
        done.stderr.splitlines()[-1]
        == "healthcrawl extract: error: stdin (-) can be read only once"
    )


def test_url_sets_url_and_id(tmp_path: Path) -> None:
    page = write_article(tmp_path / "fever.html", "Fever")
    done = run_extract(str(page), "--url", URL)
    assert (done.returncode, done.stderr) == (0, "")
    [record] = _records(done.stdout)
    assert record["url"] == URL
    assert record["canonical_url"] is None
    assert record["id"] == hashlib.sha256(URL.encode()).hexdigest()[:32]


def test_url_needs_exactly_one_input(tmp_path: Path) -> None:
    pages = write_articles(tmp_path, 2)
    done = run_extract(*map(str, pages), "--url", URL)
    assert done.returncode == 2
    assert done.stdout == ""
    last = done.stderr.splitlines()[-1]
    assert last == "healthcrawl extract: error: --url needs exactly one input page, got 2"


def test_url_counts_pages_of_a_directory(tmp_path: Path) -> None:
    write_articles(tmp_path / "dir", 3)
    done = run_extract(str(tmp_path / "dir"), "--url", URL)
    assert done.returncode == 2
    last = done.stderr.splitlines()[-1]
    assert last == "healthcrawl extract: error: --url needs exactly one input page, got 3"


def test_failed_pages_exit_1_one_line_each_good_pages_still_written(tmp_path: Path) -> None:
    good1 = write_article(tmp_path / "good1.html", "Asthma")
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.html"
    good2 = write_article(tmp_path / "good2.html", "Bronchitis")
    done = run_extract(str(good1), str(empty), str(missing), str(good2), "--jobs", "1")
    assert done.returncode == 1
    assert [r["title"] for r in _records(done.stdout)] == ["Asthma", "Bronchitis"]
    assert done.stderr.splitlines() == [
        f"{empty}: not_html: empty document",
        f"{missing}: unreadable: No such file or directory",
    ]


def test_bad_gzip_is_a_failed_page(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html.gz"
    bad.write_bytes(b"<html>not gzip</html>")
    done = run_extract(str(bad))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"{bad}: unreadable: not a gzipped file (b'<htm')\n"


def test_all_pages_failing_exits_1(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"   \n")
    done = run_extract(str(empty))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"{empty}: not_html: empty document\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [],
            "healthcrawl extract: error: the following arguments are required: PATH "
            "(or --urls MAP.tsv)",
        ),
        (
            ["--jobs", "0", "x.html"],
            "healthcrawl extract: error: argument --jobs: must be at least 1, got 0",
        ),
        (
            ["--max-bytes", "0", "x.html"],
            "healthcrawl extract: error: argument --max-bytes: must be at least 1, got 0",
        ),
        (
            ["--jobs", "two", "x.html"],
            "healthcrawl extract: error: argument --jobs: invalid _positive value: 'two'",
        ),
        (
            ["-o", "a.jsonl", "-O", "b.jsonl", "x.html"],
            "healthcrawl extract: error: argument -O/--overwrite-output: "
            "not allowed with argument -o/--output",
        ),
        (
            ["--profile", "webmd", "x.html"],
            "healthcrawl extract: error: argument --profile: invalid choice: 'webmd' "
            "(choose from 'gard', 'generic', 'mayoclinic', 'medlineplus', 'nhs')",
        ),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    done = run_extract(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines()[-1] == message


def test_jobs_2_output_identical_to_jobs_1(tmp_path: Path) -> None:
    pages = write_articles(tmp_path / "dir", 6)
    pages[3].write_bytes(b"")
    serial = run_extract(str(tmp_path / "dir"), "--jobs", "1")
    parallel = run_extract(str(tmp_path / "dir"), "--jobs", "2")
    assert serial.returncode == parallel.returncode == 1
    assert parallel.stdout == serial.stdout
    assert parallel.stderr == serial.stderr == f"{pages[3]}: not_html: empty document\n"
    titles = [r["title"] for r in _records(parallel.stdout)]
    assert titles == ["Topic 0", "Topic 1", "Topic 2", "Topic 4", "Topic 5"]


def test_output_appends_and_repairs_torn_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out.jsonl"
    old = write_article(tmp_path / "old.html", "Asthma")
    new = write_article(tmp_path / "new.html", "Bronchitis")
    assert main(["extract", str(old), "-o", str(out)]) == 0
    whole = out.read_text("utf-8")
    torn = '{"id":"0123456789abcdef","title":"Killed mid-wri'
    out.write_text(whole + torn, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="healthcrawl.output.writer"):
        assert main(["extract", str(new), "-o", str(out)]) == 0
    text = out.read_text("utf-8")
    assert text.startswith(whole)
    assert "Killed mid-wri" not in text
    assert text.count("\n") == 2
    assert [r["title"] for r in _records(text)] == ["Asthma", "Bronchitis"]
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("healthcrawl.output.writer", "WARNING", TORN_WARNING.format(out, len(torn)))
    ]
    assert capsys.readouterr() == ("", "")


def test_appending_again_writes_no_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out.jsonl"
    pages = [str(write_article(tmp_path / f"{t}.html", t)) for t in ("Asthma", "Croup")]
    assert main(["extract", pages[0], "-o", str(out)]) == 0
    assert main(["extract", *pages, "-o", str(out)]) == 0
    assert [r["title"] for r in _records(out.read_text("utf-8"))] == ["Asthma", "Croup"]
    assert capsys.readouterr().err == (
        f"healthcrawl extract: 1 record already in {out}, not written again\n"
    )
    assert sorted(p.name for p in tmp_path.glob("out.*")) == [
        "out.jsonl",
        "out.jsonl.ledger.sqlite",
    ]
    assert caplog.records == []


def test_appending_to_an_output_without_its_ledger_adopts_its_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    page = str(write_article(tmp_path / "a.html", "Asthma"))
    assert main(["extract", page, "-o", str(out)]) == 0
    (tmp_path / "out.jsonl.ledger.sqlite").unlink()
    assert main(["extract", page, "-o", str(out)]) == 0
    assert [r["title"] for r in _records(out.read_text("utf-8"))] == ["Asthma"]
    assert "1 record already in" in capsys.readouterr().err


def test_overwrite_output_replaces_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('{"old": "record"}\n{"old": "torn', encoding="utf-8")
    page = write_article(tmp_path / "a.html", "Asthma")
    assert main(["extract", str(page), "-O", str(out)]) == 0
    assert [r["title"] for r in _records(out.read_text("utf-8"))] == ["Asthma"]
    assert capsys.readouterr() == ("", "")


def test_output_dash_is_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = write_article(tmp_path / "pages" / "a.html", "Asthma")
    monkeypatch.chdir(tmp_path)
    assert main(["extract", str(page), "-o", "-"]) == 0
    out, err = capsys.readouterr()
    assert ([r["title"] for r in _records(out)], err) == (["Asthma"], "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pages"]


def test_output_into_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder" / "out.jsonl"
    page = write_article(tmp_path / "a.html", "Asthma")
    assert main(["extract", str(page), "-o", str(out)]) == 0
    assert [r["title"] for r in _records(out.read_text("utf-8"))] == ["Asthma"]


def test_in_process_stdout_and_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_article(tmp_path / "a.html", "Asthma")
    empty = tmp_path / "empty.htm"
    empty.write_bytes(b"")
    assert main(["extract", str(good), str(empty), "--jobs", "1"]) == 1
    out, err = capsys.readouterr()
    assert [r["title"] for r in _records(out)] == ["Asthma"]
    assert err == f"{empty}: not_html: empty document\n"


def test_in_process_usage_error_raises_system_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["extract", "--jobs", "0", "x.html"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        "healthcrawl extract: error: argument --jobs: must be at least 1, got 0"
    )


def test_no_progress_text_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    write_articles(tmp_path / "dir", 6)
    done = run_extract(str(tmp_path / "dir"))
    assert (done.returncode, done.stderr) == (0, "")
    assert len(_records(done.stdout)) == 6


def _stderr_on_a_terminal(*args: str) -> bytes:
    """Run the CLI with stderr on a pseudo-terminal; return what the terminal received."""
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [*CLI, *args], cwd=REPO, stdout=subprocess.PIPE, stderr=follower, timeout=120
        )
    finally:
        os.close(follower)
    assert done.returncode == 0
    received = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the terminal has no writer left
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    return received


def test_progress_counter_on_a_terminal(tmp_path: Path) -> None:
    """Control for the test above: the same run does print a counter to a terminal."""
    write_articles(tmp_path / "dir", 6)
    counter = b"".join(f"\r{n}/6 pages".encode() for n in range(1, 7))
    assert _stderr_on_a_terminal(str(tmp_path / "dir"), "--jobs", "1") == counter + b"\r\n"


def test_no_progress_counter_for_five_pages_on_a_terminal(tmp_path: Path) -> None:
    write_articles(tmp_path / "dir", 5)
    assert _stderr_on_a_terminal(str(tmp_path / "dir"), "--jobs", "1") == b""


def test_profile_forces_source(tmp_path: Path) -> None:
    page = write_article(tmp_path / "a.html", "Asthma")
    plain = _records(run_extract(str(page)).stdout)
    forced = run_extract(str(page), "--profile", "gard")
    assert (forced.returncode, forced.stderr) == (0, "")
    assert [r["source"] for r in plain] == ["generic"]
    assert [r["source"] for r in _records(forced.stdout)] == ["gard"]


def test_max_bytes_refuses_bigger_page(tmp_path: Path) -> None:
    page = write_article(tmp_path / "a.html", "Asthma")
    size = page.stat().st_size
    done = run_extract(str(page), "--max-bytes", "100")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f"{page}: too_large: page is {size} bytes, over the 100-byte limit\n")
    assert run_extract(str(page), "--max-bytes", str(size)).returncode == 0


def test_max_bytes_message_names_the_url(tmp_path: Path) -> None:
    page = write_article(tmp_path / "a.html", "Asthma")
    done = run_extract(str(page), "--max-bytes", "100", "--url", URL)
    size = page.stat().st_size
    assert done.stderr == (f"{page}: too_large: page is {size} bytes, over the 100-byte limit\n")


def test_installed_console_script(tmp_path: Path) -> None:
    script = shutil.which("healthcrawl", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the healthcrawl console script is not installed next to this Python")
    page = write_article(tmp_path / "a.html", "Asthma")
    done = subprocess.run(
        [script, "extract", str(page), "--url", URL],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    [record] = _records(done.stdout)
    assert (record["title"], record["url"]) == ("Asthma", URL)


def test_gzip_on_stdin(tmp_path: Path) -> None:
    done = subprocess.run(
        [*CLI, "-", "--url", URL],
        cwd=REPO,
        input=gzip.compress(article_html("Croup").encode()),
        capture_output=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, b"")
    assert [r["title"] for r in _records(done.stdout.decode())] == ["Croup"]


def test_an_input_set_without_pages_warns_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a page")
    done = run_extract(str(tmp_path / "empty"))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"healthcrawl extract: no pages in {tmp_path / 'empty'}\n"


def test_url_map_gives_saved_pages_their_urls(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    write_article(pages / "a.html", "Asthma")
    write_article(pages / "b.html", "Bronchitis")
    mapping = tmp_path / "urls.tsv"
    mapping.write_text(f"# saved pages\npages/a.html\t{URL}/a\n\npages/b.html\t{URL}/b\n")
    with_paths = run_extract(str(pages), "--urls", str(mapping))
    map_only = run_extract("--urls", str(mapping))
    for done in (with_paths, map_only):
        assert (done.returncode, done.stderr) == (0, "")
        records = _records(done.stdout)
        assert [(r["title"], r["url"]) for r in records] == [
            ("Asthma", f"{URL}/a"),
            ("Bronchitis", f"{URL}/b"),
        ]
        assert records[0]["id"] == hashlib.sha256(f"{URL}/a".encode()).hexdigest()[:32]


def test_url_map_line_without_a_tab_is_a_usage_error(tmp_path: Path) -> None:
    mapping = tmp_path / "urls.tsv"
    mapping.write_text(f"a.html\t{URL}\na.html {URL}\n")
    done = run_extract("--urls", str(mapping))
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        f"healthcrawl extract: error: {mapping} line 2: expected PATH<TAB>http(s) URL, "
        f"got 'a.html {URL}'"
    )


def test_unknown_output_suffix_is_a_usage_error(tmp_path: Path) -> None:
    done = run_extract(
        str(write_article(tmp_path / "a.html", "Asthma")), "-o", str(tmp_path / "out.csv")
    )
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        f"healthcrawl extract: error: {tmp_path / 'out.csv'}: unknown output format; "
        "name a file ending in .jsonl, .parquet"
    )


@pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
def test_sigkill_leaves_no_worker_behind(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    for n in range(400):
        write_article(folder / f"page{n}.html", f"Topic {n}")
    out = tmp_path / "out.jsonl"
    cli = subprocess.Popen(
        [*CLI, str(folder), "-o", str(out), "--jobs", "2"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    kids: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and cli.poll() is None:
            kids = children(cli.pid)
            if len(kids) >= 2 and out.exists() and out.stat().st_size:
                break  # workers started, and records are coming out
            time.sleep(0.05)
    finally:
        cli.kill()
        cli.wait()
    assert len(kids) >= 2, "the CLI finished before the test could kill it"
    left = wait_gone(set(kids), seconds=10)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert [kids[pid] for pid in left] == []
