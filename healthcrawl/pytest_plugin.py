"""pytest plugin (entry point `pytest11`, named healthcrawl): each fixture folder pytest meets
is one test, which fails with the same field-by-field diff as `healthcrawl check`.

    pytest fixtures/                             # a folder of fixtures (see fixtures/layout.py)
    pytest --healthcrawl-fixtures fixtures/      # add them to a larger suite's run
    pytest fixtures/ --healthcrawl-update        # rewrite the expected records that changed

`-p no:healthcrawl` turns it off. Needs pytest 8 (directory collectors).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from healthcrawl.fixtures.layout import is_fixture

_REWRITTEN = pytest.StashKey[list[str]]()


class FixtureMismatch(AssertionError):
    """A fixture whose outcome changed, or that cannot be checked; the message is the report."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("healthcrawl", "healthcrawl regression fixtures")
    group.addoption(
        "--healthcrawl-fixtures",
        action="append",
        default=[],
        metavar="DIR",
        help="also collect the healthcrawl fixtures in DIR (one test per fixture)",
    )
    group.addoption(
        "--healthcrawl-update",
        action="store_true",
        help="rewrite the expected records of healthcrawl fixtures that changed",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_REWRITTEN] = []
    for folder in config.getoption("healthcrawl_fixtures"):
        if not (config.invocation_params.dir / folder).is_dir():
            raise pytest.UsageError(f"--healthcrawl-fixtures {folder}: not a directory")
        config.args.append(folder)


def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    return FixtureFolder.from_parent(parent, path=path) if is_fixture(path) else None


class FixtureFolder(pytest.Directory):
    """One fixture folder: it holds a single test, its check."""

    def collect(self) -> Iterator[pytest.Item]:
        yield FixtureItem.from_parent(self, name="check")


class FixtureItem(pytest.Item):
    def runtest(self) -> None:
        from healthcrawl.fixtures.check import check_fixture, report

        update = self.config.getoption("healthcrawl_update")
        result = check_fixture(self.path.name, self.path, update=update)
        if result.rewritten:
            self.config.stash[_REWRITTEN].append(report(result))
        if not result.passed:
            raise FixtureMismatch(report(result))

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: str | None = None
    ) -> str:
        if isinstance(excinfo.value, FixtureMismatch):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"healthcrawl fixture {self.path.name}"


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    rewritten = config.stash.get(_REWRITTEN, [])
    if rewritten:
        terminalreporter.section("healthcrawl fixtures rewritten")
        for report in rewritten:
            terminalreporter.write_line(report)
        terminalreporter.write_line(f"{len(rewritten)} expected records rewritten")
