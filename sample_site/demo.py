"""The main job, offline: crawl the bundled sample site with the real spiders.

    python -m healthcrawl.sample_site.demo

Starts sample_site/serve.py on 127.0.0.1, runs `scrapy crawl` for the mayoclinic, gard and
sitemap (MedlinePlus-like) spiders against it, stops the server, and prints where each JSONL
file went and how many records it holds. Politeness delays are shortened and loopback
addresses allowed (the server is local); everything else is the shipped configuration.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from healthcrawl.output.writer import read_values
from healthcrawl.spiders.extensions import summary_line

from .serve import running_server

REPO = Path(__file__).resolve().parents[1]
LOCAL_SETTINGS = (
    "DOWNLOAD_DELAY=0.05",
    "AUTOTHROTTLE_START_DELAY=0.05",
    "HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES=True",  # the sample site is on 127.0.0.1
    "LOG_LEVEL=WARNING",
)


def crawls(base_url: str) -> dict[str, list[str]]:
    """Spider name -> its `-a` arguments for the sample site."""
    return {
        "mayoclinic": [f"base_url={base_url}"],
        "gard": [f"base_url={base_url}"],
        "sitemap": [f"sitemap_url={base_url}/sitemaps/medlineplus.xml"],
    }


def run_spider(name: str, arguments: list[str], output: Path) -> int:
    """One real `scrapy crawl`; its summary line is printed from the stats it writes."""
    stats_file = output.with_suffix(".stats.json")
    command = [sys.executable, "-m", "scrapy", "crawl", name, "-s", f"HEALTHCRAWL_OUTPUT={output}"]
    command += ["-s", f"HEALTHCRAWL_STATS_FILE={stats_file}"]
    for argument in arguments:
        command += ["-a", argument]
    for setting in LOCAL_SETTINGS:
        command += ["-s", setting]
    code = subprocess.run(command, cwd=REPO, check=False).returncode
    if stats_file.exists():
        stats = json.loads(stats_file.read_text("utf-8"))
        print(summary_line(stats, stats.get("finish_reason", "?")))
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=REPO / "output" / "sample",
                        help="where the JSONL files go (default: %(default)s)")  # fmt: skip
    args = parser.parse_args(argv)
    failed = 0
    with running_server() as base_url:
        print(f"sample site serving at {base_url}")
        for name, arguments in crawls(base_url).items():
            output = args.output_dir.resolve() / f"{name}.jsonl"
            code = run_spider(name, arguments, output)
            failed += code != 0
            count = len(read_values(output, "id"))
            print(
                f"{name}: {count} records in {output}" + (f" (crawl exited {code})" if code else "")
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
