"""`healthcrawl snapshot` and `healthcrawl check`: save pages as fixtures, pin their records,
and name each changed field; broken fixtures are reported without stopping the others."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from healthcrawl.extractors.errors import Skip
from healthcrawl.inputs import READERS, Entry
from healthcrawl.output.cli import main
from healthcrawl.page import Page
from tests.conftest import REPO

SITE = REPO / "sample_site" / "site"
FIVE = [
    SITE / "medlineplus" / "asthma.html",
    SITE / "medlineplus" / "anemia.html",
    SITE / "medlineplus" / "headache.html",
    SITE / "medlineplus" / "insomnia.html",
    SITE / "diseases" / "6233" / "cystic-fibrosis.html",
]
FEVER = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Fever</title></head>
<body><main><article><h1>Fever</h1>
<p>A fever is a body temperature that is higher than normal. It usually means the body is
fighting an infection.</p>
<h2>Symptoms</h2>
<p>Sweating, chills and shivering, headache, muscle aches and loss of appetite can come
with a fever.</p>
<p>Page last reviewed: 2 March 2024</p>
</article></main></body></html>
"""
FIELDS = (
    "id, url, canonical_url, source, fetched_at, language, title, sections, bullets, references, "
    "byline, doc_id, date_modified, date_published, rights, text, extractor, change, "
    "schema_version, detail, skip"
)
SHELL = (
    '<!DOCTYPE html><html lang="en"><head><title>Loading</title></head>'
    '<body><nav><a href="/">Home</a></nav><main><div class="spinner"></div></main></body></html>'
)


Cli = Callable[..., tuple[int, str, str]]
"""`healthcrawl ARGS...` run in this process: (exit status, stdout, stderr)."""


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*argv: str | Path) -> tuple[int, str, str]:
        code = main([str(arg) for arg in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def snapshot_text(cli: Cli, into: Path, name: str, html: str) -> Path:
    page = into.parent / f"{name}.html"
    page.write_text(html, "utf-8")
    url = f"https://example.org/{name}"
    assert cli("snapshot", page, "--url", url, "--into", into, "--name", name)[0] == 0
    return into / name


def test_snapshot_check_change_update_check(tmp_path: Path, cli: Cli) -> None:
    into = tmp_path / "fixtures"
    code, out, err = cli("snapshot", *FIVE, "--into", into)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{into}/asthma: a record titled 'Asthma'",
        f"{into}/anemia: a record titled 'Anemia'",
        f"{into}/headache: a record titled 'Headache'",
        f"{into}/insomnia: a record titled 'Insomnia'",
        f"{into}/cystic-fibrosis: a record titled 'Cystic fibrosis'",
    ]
    assert cli("check", into) == (0, "healthcrawl check: 5 of 5 fixtures match, 0 changed\n", "")

    page = into / "headache" / "page.html"
    page.write_text(page.read_text("utf-8").replace("miss work or school", "stay home"), "utf-8")
    code, out, _ = cli("check", into)
    assert code == 1
    assert out.splitlines() == [
        "headache: 2 changed fields (- expected, + now)",
        "  /sections/1/blocks/0/text  (from character 103)",
        '    - "…ain and a major reason people miss work or school. Most headaches are not serio…"',
        '    + "…ain and a major reason people stay home. Most headaches are not serio…"',
        "  /text  (from character 136)",
        '    - "…ain and a major reason people miss work or school. Most headaches are not serio…"',
        '    + "…ain and a major reason people stay home. Most headaches are not serio…"',
        "",
        "healthcrawl check: 4 of 5 fixtures match, 1 changed",
    ]

    untouched = (into / "asthma" / "expected.json").stat().st_mtime_ns
    code, out, _ = cli("check", into, "--update")
    assert code == 0
    assert out.splitlines()[0] == "headache: 2 changed fields, rewritten (- expected, + now)"
    assert out.splitlines()[-1] == "healthcrawl check: 1 of 5 expected records rewritten"
    assert (into / "asthma" / "expected.json").stat().st_mtime_ns == untouched
    assert cli("check", into)[:2] == (0, "healthcrawl check: 5 of 5 fixtures match, 0 changed\n")


def test_fixture_layout(tmp_path: Path, cli: Cli) -> None:
    folder = snapshot_text(cli, tmp_path / "fx", "fever", FEVER)
    assert sorted(p.name for p in folder.iterdir()) == ["expected.json", "page.html", "page.json"]
    assert (folder / "page.html").read_text("utf-8") == FEVER
    assert (folder / "page.json").read_text("utf-8") == (
        '{\n  "fetched_at": null,\n  "headers": {},\n  "status": 200,\n'
        '  "url": "https://example.org/fever"\n}\n'
    )
    text = (folder / "expected.json").read_text("utf-8")
    record = json.loads(text)
    assert text == json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert (record["title"], record["date_modified"], record["url"]) == (
        "Fever",
        "2024-03-02",
        "https://example.org/fever",
    )
    assert [p.name for p in (tmp_path / "fx").iterdir()] == ["fever"]  # no partial folder left


def test_refusal_is_pinned_and_not_html_is_saved_as_bin(tmp_path: Path, cli: Cli) -> None:
    into = tmp_path / "fx"
    shell = snapshot_text(cli, into, "shell", SHELL)
    assert json.loads((shell / "expected.json").read_text("utf-8")) == {
        "detail": "no main content left after boilerplate removal",
        "skip": "no_main_content",
    }
    png = tmp_path / "image.html"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    code, out, _ = cli("snapshot", png, "--into", into)
    assert (code, out) == (
        0,
        f"{into}/image: refused: not_html: content is a PNG image, not HTML\n",
    )
    assert sorted(p.name for p in (into / "image").iterdir()) == [
        "expected.json",
        "page.bin",
        "page.json",
    ]
    assert cli("check", into)[:2] == (0, "healthcrawl check: 2 of 2 fixtures match, 0 changed\n")


def test_a_page_that_became_not_html_names_both_outcomes(tmp_path: Path, cli: Cli) -> None:
    folder = snapshot_text(cli, tmp_path / "fx", "fever", FEVER)
    (folder / "page.html").write_bytes(b"%PDF-1.7\n" + bytes(64))
    code, out, _ = cli("check", tmp_path / "fx")
    assert code == 1
    assert out.splitlines()[:4] == [
        "fever: 1 changed field (- expected, + now)",
        "  (outcome)",
        "    - a record titled 'Fever'",
        "    + refused: not_html: content is a PDF document, not HTML",
    ]


BROKEN = {
    "no-expected": (lambda f: (f / "expected.json").unlink(), "expected.json is missing"),
    "corrupt": (
        lambda f: (f / "expected.json").write_text('{"title": "Fever",\n', "utf-8"),
        "expected.json is not valid JSON (line 2 column 1: Expecting property name enclosed in "
        "double quotes)",
    ),
    "newer": (
        lambda f: _edit(f / "expected.json", schema_version="2"),
        "expected.json is schema version 2, newer than this healthcrawl's 1.1: check it with a "
        "newer healthcrawl",
    ),
    "no-page": (
        lambda f: (f / "page.html").unlink(),
        "needs exactly one of page.html, page.bin, found 0",
    ),
    "bad-meta": (
        lambda f: _edit(f / "page.json", status="200"),
        "status is '200', of the wrong type",
    ),
    "bad-tolerances": (
        lambda f: (f / "tolerances.json").write_text('{"ignore": ["/titel"]}', "utf-8"),
        f"tolerances.json: unknown field '/titel'; the fields are {FIELDS}",
    ),
}


def _edit(path: Path, **values: object) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text("utf-8")), **values}), "utf-8")


def test_broken_fixtures_are_named_and_the_others_still_checked(tmp_path: Path, cli: Cli) -> None:
    into = tmp_path / "fx"
    for name, (damage, _) in BROKEN.items():
        damage(snapshot_text(cli, into, name, FEVER))
    snapshot_text(cli, into, "fine", FEVER)
    code, out, err = cli("check", into)
    assert (code, err) == (1, "")
    errors = [f"{name}: {message}" for name, (_, message) in sorted(BROKEN.items())]
    assert out.split("\n\n") == [
        *errors,
        "healthcrawl check: 1 of 7 fixtures match, 0 changed; 6 broken\n",
    ]


def test_update_writes_a_missing_expected_record_but_never_downgrades(
    tmp_path: Path, cli: Cli
) -> None:
    into = tmp_path / "fx"
    missing = snapshot_text(cli, into, "missing", FEVER)
    pinned = (missing / "expected.json").read_text("utf-8")
    (missing / "expected.json").unlink()
    newer = snapshot_text(cli, into, "newer", FEVER)
    _edit(newer / "expected.json", schema_version="1.5")
    code, out, _ = cli("check", into, "--update")
    assert code == 1
    assert out.splitlines()[:4] == [
        "missing: 1 changed field, rewritten (- expected, + now)",
        "  (outcome)",
        "    - (expected.json is missing)",
        "    + a record titled 'Fever'",
    ]
    assert (missing / "expected.json").read_text("utf-8") == pinned
    assert json.loads((newer / "expected.json").read_text("utf-8"))["schema_version"] == "1.5"


def test_volatile_fields_are_compared_only_when_named(tmp_path: Path, cli: Cli) -> None:
    folder = snapshot_text(cli, tmp_path / "fx", "fever", FEVER)
    record = json.loads((folder / "expected.json").read_text("utf-8"))
    extractor = {**record["extractor"], "version": "0.0.1", "trafilatura": "1.0"}
    _edit(folder / "expected.json", extractor=extractor, fetched_at="2020-01-01T00:00:00Z")
    assert cli("check", tmp_path / "fx")[0] == 0
    assert cli("check", tmp_path / "fx", "--fields", "title", "/sections")[0] == 0
    code, out, _ = cli("check", tmp_path / "fx", "--fields", "/extractor/version")
    assert (code, out.splitlines()[1:4]) == (
        1,
        ["  /extractor/version", '    - "0.0.1"', '    + "0.1.0"'],
    )
    code, out, _ = cli("check", tmp_path / "fx", "--fields", "extractor", "fetched_at")
    assert out.splitlines()[0] == "fever: 3 changed fields (- expected, + now)"


def test_tolerances_ignore_a_field_of_one_fixture(tmp_path: Path, cli: Cli) -> None:
    into = tmp_path / "fx"
    folder = snapshot_text(cli, into, "fever", FEVER)
    other = snapshot_text(cli, into, "other", FEVER)
    for page in (folder / "page.html", other / "page.html"):
        page.write_text(FEVER.replace("2 March 2024", "9 May 2025"), "utf-8")
    (folder / "tolerances.json").write_text('{"ignore": ["/date_modified"], "note": "daily"}')
    code, out, _ = cli("check", into)
    assert (code, out.splitlines()[:4]) == (
        1,
        [
            "other: 1 changed field (- expected, + now)",
            "  /date_modified",
            '    - "2024-03-02"',
            '    + "2025-05-09"',
        ],
    )
    assert out.splitlines()[-1] == "healthcrawl check: 1 of 2 fixtures match, 1 changed"
    code, out, _ = cli("check", folder, "--fields", "date_modified")  # named: compared anyway
    assert (code, out.splitlines()[-1]) == (
        1,
        "healthcrawl check: 0 of 1 fixtures match, 1 changed",
    )


def test_snapshot_never_replaces_a_fixture(tmp_path: Path, cli: Cli) -> None:
    folder = snapshot_text(cli, tmp_path / "fx", "fever", FEVER)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    page = tmp_path / "fever.html"
    page.write_text(SHELL, "utf-8")
    code, out, err = cli("snapshot", page, "--into", tmp_path / "fx")
    assert (code, out) == (1, "")
    assert err == (
        f"{page}: {folder} exists (re-pin it with `healthcrawl check {folder} --update`, "
        "or choose another --name)\n"
    )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["snapshot", *FIVE[:2], "--into", "fx", "--name", "x"],
            "--name names one fixture, but the input holds more than one page",
        ),
        (
            ["snapshot", *FIVE[:2], "--into", "fx", "--url", "https://e.org/"],
            "--url gives one saved page its URL: name exactly one file (or -)",
        ),
        (
            ["snapshot", FIVE[0], "--into", "fx", "--name", "../up"],
            "--name '../up': one folder name, not a path",
        ),
        (["check", "no-such-dir"], "no-such-dir: not a directory"),
        (
            ["check", ".", "--fields", "titel"],
            f"--fields: unknown field 'titel'; the fields are {FIELDS}",
        ),
        (
            ["check", ".", "--update", "--fields", "title"],
            "--update rewrites whole expected records: use it without --fields",
        ),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str | Path],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main([str(arg) for arg in argv])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(f"error: {message}")
    assert not (tmp_path / "fx").exists()


class NoPage(Skip):
    """An archive record that holds no page; counted, but no failure."""

    failure = False


@pytest.fixture
def archive_reader(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A registered reader for a multi-page archive format, as WARC's: one page per line,
    after a record that is no page and no failure (as a WARC request record)."""

    def read_lines(path: str, url: str | None) -> Iterator[Entry]:
        yield Entry(f"{path}#0", failure=NoPage(path, "a request record"))
        for line in Path(path).read_text("utf-8").splitlines():
            page_url, _, html = line.partition("\t")
            yield Entry(f"{path}#{page_url}", page=Page(page_url, html.encode()))

    monkeypatch.setitem(READERS, ".pages", read_lines)
    yield


def test_one_page_of_an_archive_by_its_url(tmp_path: Path, cli: Cli, archive_reader: None) -> None:
    archive = tmp_path / "crawl.pages"
    lines = [f"https://example.org/{n}\t{FEVER.replace(chr(10), ' ')}" for n in ("a", "fever")]
    archive.write_text("\n".join(lines), "utf-8")
    into = tmp_path / "fx"
    code, out, _ = cli("snapshot", f"{archive}#https://example.org/fever", "--into", into)
    assert (code, out) == (0, f"{into}/example-org-fever: a record titled 'Fever'\n")
    meta = json.loads((into / "example-org-fever" / "page.json").read_text("utf-8"))
    assert meta["url"] == "https://example.org/fever"
    code, _, err = cli("snapshot", f"{archive}#https://example.org/nope", "--into", into)
    assert (code, err) == (
        1,
        f"{archive}#https://example.org/nope: unreadable: no page with URL https://example.org/nope\n",
    )
    assert cli("snapshot", archive, "--into", tmp_path / "all")[::2] == (0, "")
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        "example-org-a",
        "example-org-fever",
    ]


def test_the_console_script_reports_without_a_traceback(tmp_path: Path, cli: Cli) -> None:
    folder = snapshot_text(cli, tmp_path / "fx", "fever", FEVER)
    (folder / "expected.json").write_bytes(b"\xff\xfe not utf-8")
    shutil.copytree(folder, tmp_path / "fx" / "copy")
    (tmp_path / "fx" / "copy" / "page.json").write_text("[]", "utf-8")
    script = Path(sys.executable).with_name("healthcrawl")
    done = subprocess.run([script, "check", tmp_path / "fx"], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout == (
        "copy: page.json must be an object with keys "
        "['fetched_at', 'headers', 'note', 'status', 'url']\n\n"
        "fever: expected.json is not UTF-8\n\n"
        "healthcrawl check: 0 of 2 fixtures match, 0 changed; 2 broken\n"
    )
