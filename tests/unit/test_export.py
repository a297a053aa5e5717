"""`healthcrawl export`: record files to a Hugging Face dataset folder, loaded back with the real
`datasets.load_dataset`; bad input named by file and line; never a half-written folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("rensa")
datasets = pytest.importorskip("datasets")
pq = pytest.importorskip("pyarrow.parquet")

from healthcrawl.dataset.build import build_dataset  # noqa: E402
from healthcrawl.dataset.records import record_files  # noqa: E402
from healthcrawl.dataset.summary import Options, Summary  # noqa: E402
from healthcrawl.output.cli import main  # noqa: E402
from healthcrawl.output.parquet import ParquetSink  # noqa: E402
from healthcrawl.schema import hf_features  # noqa: E402
from tests.records import prose, record, write_jsonl  # noqa: E402

STOCK = "Call our nurse line any day of the week for advice about your symptoms."
MAYO_RIGHTS = "© 1998-2025 Mayo Foundation for Medical Education and Research. All rights reserved."


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`load_dataset` caches what it reads: each test gets its own cache."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")


def _site(n: int) -> dict[str, Any]:
    """A page of clinic.example: its own paragraph and the site's stock sentence."""
    return record(
        f"https://clinic.example/conditions/{n}",
        f"Condition {n}",
        [(None, None, [prose(n, 50), STOCK]), ("Contact", 2, [STOCK])],
    )


def _corpus() -> list[dict[str, Any]]:
    """12 site pages, a copy of one under another URL, a page that is all stock text but a
    line, a GARD page and a Mayo Clinic page: 14 records once the copy and the stub go."""
    stub = record(
        "https://clinic.example/conditions/stub",
        "Stub",
        [(None, None, ["Coming soon.", STOCK])],
    )
    copy = {**_site(0), "id": "c" * 32, "url": "https://mirror.example/0"}
    gard = record(
        "https://rarediseases.info.nih.gov/diseases/1/x", "X", [(None, None, [prose(50, 60)])],
        source="gard",
    )  # fmt: skip
    mayo = record(
        "https://www.mayoclinic.org/x", "Y", [(None, None, [prose(60, 60)])],
        source="mayoclinic", rights=MAYO_RIGHTS,
    )  # fmt: skip
    return [*(_site(n) for n in range(12)), copy, stub, gard, mayo]


def _export(tmp_path: Path, *arguments: str, records: list | None = None) -> tuple[int, Path]:
    inputs = write_jsonl(tmp_path / "in" / "records.jsonl", records or _corpus())
    out = tmp_path / "out"
    return main(["export", str(inputs), "--to", str(out), *arguments]), out


def test_load_dataset_reads_the_folder_with_no_other_argument(tmp_path: Path) -> None:
    status, out = _export(tmp_path, "--chunks")
    assert status == 0
    records = datasets.load_dataset(str(out))["train"]
    assert records.num_rows == 14
    assert records.features == hf_features()
    assert "c" * 32 not in records["id"]
    assert all(STOCK not in text for text in records["text"])
    chunks = datasets.load_dataset(str(out), "chunks")["train"]
    assert chunks.num_rows == 14  # each record fits in one chunk
    assert chunks.column_names == [
        "record_id", "url", "title", "heading_path", "chunk_index", "n_tokens", "text",
    ]  # fmt: skip
    assert sorted(chunks["text"]) == sorted(records["text"])
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "chunks", "data", "removed.jsonl"]
    assert not list(tmp_path.glob(".out.*"))


def test_removed_records_are_listed_with_their_reason(tmp_path: Path) -> None:
    status, out = _export(tmp_path)
    lines = (out / "removed.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "id": "c" * 32,
            "url": "https://mirror.example/0",
            "source": "generic",
            "reason": "exact",
            "kept_id": _site(0)["id"],
        },
        {
            "id": _corpus()[13]["id"],
            "url": "https://clinic.example/conditions/stub",
            "source": "generic",
            "reason": "stub",
            "kept_id": None,
        },
    ]


def test_the_card_says_what_was_removed_and_whose_terms_apply(tmp_path: Path) -> None:
    status, out = _export(tmp_path)
    card = (out / "README.md").read_text("utf-8")
    assert card.startswith(
        "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n"
    )
    assert "    path: data/*.parquet\n" in card
    assert "| source | hosts | input records | kept | exact | stub |" in card
    assert "| generic | clinic.example | 14 | 12 | 1 | 1 |" in card
    assert "| gard | rarediseases.info.nih.gov | 1 | 1 | 0 | 0 |" in card
    assert "**Duplicates** (id: 0, exact: 1, near: 0)" in card
    assert "| clinic.example | 13 | 10 | 1 | 24 |" in card  # 12 pages x 2, 13 distinct texts
    assert f"- 13 records: {STOCK}" in card
    assert "public domain in the US" in card
    assert "all rights reserved; reuse beyond personal use needs its permission" in card
    assert f"- 1 record: {MAYO_RIGHTS}" in card
    assert "| 0.1.0 | 2.3.1 | healthcrawl | 14 |" in card


def test_copies_of_a_page_do_not_make_its_text_a_template(tmp_path: Path) -> None:
    """Ten copies of a page on its own site: its paragraph is in 11 of 24 records, over the
    threshold, but it is one text, counted once."""
    page = _site(0)
    copies = [{**page, "id": f"{n:032x}", "url": f"{page['url']}?copy={n}"} for n in range(10)]
    status, out = _export(tmp_path, records=[*_corpus(), *copies])
    records = datasets.load_dataset(str(out))["train"]
    assert status == 0 and records.num_rows == 14
    assert records["text"][0] == prose(0, 50)


def test_switches_keep_duplicates_and_templates(tmp_path: Path) -> None:
    status, out = _export(tmp_path, "--no-dedup", "--no-templates")
    records = datasets.load_dataset(str(out))["train"]
    assert status == 0 and records.num_rows == 16
    assert sum(STOCK in text for text in records["text"]) == 14
    assert not (out / "chunks").exists()
    assert (out / "removed.jsonl").read_text("utf-8") == ""


def test_folders_of_jsonl_and_parquet_files_are_read(tmp_path: Path) -> None:
    corpus = _corpus()
    write_jsonl(tmp_path / "in" / "a.jsonl", corpus[:8])
    with ParquetSink(tmp_path / "in" / "deep" / "b.parquet") as sink:
        for made in corpus[8:]:
            sink.write(made)
    out = tmp_path / "out"
    assert main(["export", str(tmp_path / "in"), "--to", str(out)]) == 0
    assert datasets.load_dataset(str(out))["train"].num_rows == 14


def test_large_exports_are_sharded(tmp_path: Path) -> None:
    inputs = write_jsonl(tmp_path / "in.jsonl", _corpus())
    files, _ = record_files([str(inputs)])
    options = Options(rows_per_shard=5, chunks=True)
    build_dataset(files, tmp_path / "out", options, Summary([str(inputs)]))
    assert sorted(p.name for p in (tmp_path / "out" / "data").iterdir()) == [
        "train-00000-of-00003.parquet",
        "train-00001-of-00003.parquet",
        "train-00002-of-00003.parquet",
    ]
    assert [pq.read_metadata(p).num_rows for p in sorted((tmp_path / "out/data").iterdir())] == [
        5, 5, 4,
    ]  # fmt: skip
    assert datasets.load_dataset(str(tmp_path / "out"))["train"].num_rows == 14


# ---- bad input --------------------------------------------------------------------------------


def _lines(records: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(made) + "\n" for made in records]


def test_a_torn_last_line_is_named_and_the_other_records_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(_corpus())
    path = tmp_path / "torn.jsonl"
    path.write_text("".join(lines) + lines[0][:100], encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", str(path), "--to", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"healthcrawl export: {path} line 17: not valid JSON: " in err
    assert "(the last line has no newline: cut off?)" in err
    assert datasets.load_dataset(str(out))["train"].num_rows == 14
    card = (out / "README.md").read_text("utf-8")
    assert "**Input left out** (1: " in card and f"- {path} line 17: not valid JSON" in card


def test_invalid_records_and_other_schema_versions_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _corpus()
    bad_id = {**corpus[2], "id": "not-an-id"}
    version_2 = {**corpus[3], "schema_version": "2", "new_field": 1}
    lines = _lines([corpus[0], bad_id, version_2, *corpus[4:]])
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(lines[:2]) + "[1, 2]\n" + "".join(lines[2:]), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", str(path), "--to", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:3] == [
        f"healthcrawl export: {path} line 2: invalid record: /id: 'not-an-id' does not match "
        "'^[0-9a-f]{32}$'",
        f"healthcrawl export: {path} line 3: not a JSON object (list)",
        f"healthcrawl export: {path} line 4: schema version '2': this healthcrawl reads "
        "version 1 records",
    ]
    # 13 valid records: 9 site pages, the copy of page 0, the stub, GARD, Mayo Clinic
    assert datasets.load_dataset(str(out))["train"].num_rows == 11


def test_files_that_hold_no_records_are_refused_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyarrow as pa

    html = tmp_path / "page.jsonl"
    html.write_text("<html><body>not records</body></html>\n", encoding="utf-8")
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"name": ["x"]}), other)
    good = write_jsonl(tmp_path / "good.jsonl", _corpus())
    out = tmp_path / "out"
    assert main(["export", str(html), str(other), str(good), "--to", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{html}: not a healthcrawl record file: line 1: not valid JSON: Expecting value" in err
    assert f"{other}: not a healthcrawl record file: no column id, url," in err
    assert datasets.load_dataset(str(out))["train"].num_rows == 14


def test_no_record_left_writes_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", str(path), str(tmp_path / "missing.jsonl"), "--to", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'missing.jsonl'}: no such file or folder" in err
    assert f"no record left to export; {out} not written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.jsonl"]


# ---- the folder -------------------------------------------------------------------------------


def test_a_folder_holding_other_files_is_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["export", str(write_jsonl(tmp_path / "in.jsonl", _corpus())), "--to", str(out)])
    assert exit_.value.code == 2
    assert "exists and holds files an export does not write (notes.txt)" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_a_new_export_replaces_an_earlier_one_whole(tmp_path: Path) -> None:
    _export(tmp_path, "--chunks")
    status, out = _export(tmp_path, records=_corpus()[:5])
    assert status == 0
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "data", "removed.jsonl"]
    assert datasets.load_dataset(str(out))["train"].num_rows == 5


def test_a_failure_midway_leaves_the_earlier_export_and_no_partial_folder(tmp_path: Path) -> None:
    status, out = _export(tmp_path)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def fails_at_the_fifth_record(text: str) -> int:
        fails_at_the_fifth_record.calls += 1  # type: ignore[attr-defined]
        if fails_at_the_fifth_record.calls == 5:  # type: ignore[attr-defined]
            raise OSError("disk full")
        return len(text.split())

    fails_at_the_fifth_record.calls = 0  # type: ignore[attr-defined]
    files, _ = record_files([str(tmp_path / "in" / "records.jsonl")])
    options = Options(chunks=True, count=fails_at_the_fifth_record)
    with pytest.raises(OSError, match="disk full"):
        build_dataset(files, out, options, Summary([]))
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


def test_a_killed_runs_partial_folder_is_cleared_by_the_next(tmp_path: Path) -> None:
    (tmp_path / ".out.partial" / "data").mkdir(parents=True)
    (tmp_path / ".out.partial" / "data" / "part-00000.parquet").write_bytes(b"PAR1 cut")
    status, out = _export(tmp_path)
    assert status == 0
    assert not (tmp_path / ".out.partial").exists()
    assert [p.name for p in (out / "data").iterdir()] == ["train-00000-of-00001.parquet"]


NOTE = "This page was written with our panel of specialist doctors and reviewed last spring."


def _noted(n: int) -> dict[str, Any]:
    """A page of clinic.example like `_site`, with NOTE after its paragraph on 12 pages in 20."""
    note = [NOTE] if n < 12 else []
    return record(
        f"https://clinic.example/conditions/{n}",
        f"Condition {n}",
        [(None, None, [prose(n, 50), *note, STOCK]), ("Contact", 2, [STOCK])],
    )


@pytest.mark.parametrize(("share", "noted"), [(None, 0), ("0.5", 0), ("0.7", 12)])
def test_template_share_sets_the_threshold(tmp_path: Path, share: str | None, noted: int) -> None:
    """NOTE is on 60% of the site's records: a template at the default share and at 0.5,
    content at 0.7; STOCK, on all of them, is a template at every share."""
    arguments = ["--template-share", share] if share else []
    status, out = _export(tmp_path, *arguments, records=[_noted(n) for n in range(20)])
    texts = datasets.load_dataset(str(out))["train"]["text"]
    assert status == 0 and len(texts) == 20
    assert (sum(NOTE in text for text in texts), sum(STOCK in text for text in texts)) == (noted, 0)
    card = (out / "README.md").read_text("utf-8")
    assert f"appears in at least {float(share or 0.05):.0%} of one site's records" in card


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--template-share", "0"], "--template-share must be above 0 and at most 1, got 0.0"),
        (["--template-share", "1.5"], "--template-share must be above 0 and at most 1, got 1.5"),
        (
            ["--no-templates", "--template-share", "0.5"],
            "--template-share and --no-templates contradict each other",
        ),
        (["--max-tokens", "100"], "--max-tokens and --tokenizer apply to chunks: add --chunks"),
        (["--chunks", "--max-tokens", "0"], "--max-tokens must be at least 1, got 0"),
        (["--chunks", "--tokenizer", "missing.json"], "missing.json: not a tokenizers file"),
    ],
)
def test_bad_options_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    pytest.importorskip("tokenizers")
    with pytest.raises(SystemExit) as exit_:
        main(["export", "x.jsonl", "--to", str(tmp_path / "out"), *arguments])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_chunks_counted_with_a_tokenizer_file(tmp_path: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    tokenizer = tokenizers.Tokenizer(tokenizers.models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    status, out = _export(
        tmp_path, "--chunks", "--max-tokens", "20", "--tokenizer", str(tmp_path / "tokenizer.json")
    )
    chunks = datasets.load_dataset(str(out), "chunks")["train"]
    assert status == 0
    assert max(chunks["n_tokens"]) == 20
    assert all(
        n == len(tokenizer.encode(t).ids)
        for n, t in zip(chunks["n_tokens"], chunks["text"], strict=True)
    )
    assert f"counted as `{tmp_path / 'tokenizer.json'}`" in (out / "README.md").read_text("utf-8")
