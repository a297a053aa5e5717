"""Small article pages and a runner for `healthcrawl extract`, shared by the CLI's tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "healthcrawl.output.cli", "extract"]


def article_html(title: str) -> str:
    """A small article whose <title> and H1 are `title` (so each record names its page)."""
    return (
        f"<html><head><title>{title}</title></head><body><main><h1>{title}</h1>"
        "<p>A fever is a temporary rise in body temperature, often due to an illness. Having a "
        "fever is a sign that something out of the ordinary is going on in your body.</p>"
        "<p>For an adult, a fever may be uncomfortable, but usually isn't a cause for concern "
        "unless it reaches 103 F (39.4 C) or higher.</p></main></body></html>"
    )


def write_article(path: Path, title: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(article_html(title), encoding="utf-8")
    return path


def write_articles(folder: Path, count: int) -> list[Path]:
    return [write_article(folder / f"page{n}.html", f"Topic {n}") for n in range(count)]


def run_extract(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """`healthcrawl extract ARGS` in a subprocess, from the repo root."""
    return subprocess.run(
        [*CLI, *args],
        cwd=REPO,
        input=stdin.decode("utf-8") if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
