"""The pytest plugin, in real pytest sessions (pytester): one test per fixture folder, failing
with the same diff as `healthcrawl check`."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest

from healthcrawl.fixtures.snapshot import save_snapshot
from healthcrawl.page import Page
from tests.conftest import REPO

pytest_plugins = ["pytester"]

PAGES = REPO / "sample_site" / "site" / "medlineplus"
NAMES = ["anemia", "asthma", "headache", "index", "insomnia"]


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """A real pytest session in this process, without plugins that only slow it down here
    (hypothesis's summary takes seconds)."""
    return pytester.runpytest(*args, "-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def snapshot_five(into: Path) -> None:
    for name in NAMES:
        page = Page(f"https://medlineplus.gov/{name}.html", (PAGES / f"{name}.html").read_bytes())
        save_snapshot(page, into, name)


def test_the_plugin_is_installed_and_active(pytestconfig: pytest.Config) -> None:
    (plugin,) = [e for e in entry_points(group="pytest11") if e.name == "healthcrawl"]
    assert plugin.value == "healthcrawl.pytest_plugin"
    assert pytestconfig.pluginmanager.has_plugin("healthcrawl")  # so tests/golden is checked


def test_pytest_fixtures_dir_fails_with_the_diff_and_update_rewrites(
    pytester: pytest.Pytester,
) -> None:
    snapshot_five(pytester.path / "fx")
    result = run(pytester, "fx")
    result.assert_outcomes(passed=5)

    page = pytester.path / "fx" / "asthma" / "page.html"
    page.write_text(
        page.read_text("utf-8").replace('"name">Asthma</h1>', '"name">Asthma attacks</h1>')
    )
    result = run(pytester, "fx")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ healthcrawl fixture asthma _*",
            "asthma: 1 changed field (- expected, + now)",
            "  /title",
            '    - "Asthma"',
            '    + "Asthma attacks"',
            "FAILED fx/asthma::check - asthma: 1 changed field (- expected, + now)",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")

    result = run(pytester, "fx", "--healthcrawl-update")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        ["*healthcrawl fixtures rewritten*", "1 expected records rewritten"]
    )
    run(pytester, "fx").assert_outcomes(passed=5)


def test_healthcrawl_fixtures_joins_a_larger_suite(pytester: pytest.Pytester) -> None:
    snapshot_five(pytester.path / "data" / "fx")
    (pytester.path / "data" / "fx" / "index" / "expected.json").unlink()
    pytester.makepyfile(test_other="def test_other():\n    assert True\n")
    result = run(pytester, "test_other.py", "--healthcrawl-fixtures", "data/fx")
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(["index: expected.json is missing"])
    result.stdout.no_fnmatch_line("*Traceback*")

    result = run(pytester, "test_other.py", "--healthcrawl-fixtures", "nowhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--healthcrawl-fixtures nowhere: not a directory"])


def test_a_folder_without_fixture_files_is_not_a_test(pytester: pytest.Pytester) -> None:
    (pytester.path / "pages").mkdir()
    (pytester.path / "pages" / "page.html").write_text("<p>not a fixture</p>")
    assert run(pytester, "pages").ret == pytest.ExitCode.NO_TESTS_COLLECTED
