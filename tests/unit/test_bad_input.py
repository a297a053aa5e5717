"""Bad input meets a specific exception whose message names the input, never a crash."""

from __future__ import annotations

import resource
import struct
import time
import zlib

import pytest

from healthcrawl.extractors import (
    EncodingError,
    NoMainContentError,
    NotHTMLError,
    PageTooDeepError,
    PageTooLargeError,
    extract,
    parse,
)
from tests.conftest import extract_valid

URL = "https://example.org/health/page"
ARTICLE = (
    "<html><head><title>Fever</title></head><body><main><h1>Fever</h1>"
    "<p>A fever is a temporary rise in body temperature, often due to an illness. Having a "
    "fever is a sign that something out of the ordinary is going on in your body.</p>"
    "<p>For an adult, a fever may be uncomfortable, but usually isn't a cause for concern "
    "unless it reaches 103 F (39.4 C) or higher. For very young children, however, a "
    "slightly raised temperature may indicate a serious infection.</p></main></body></html>"
)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0"))


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", NotHTMLError, f"{URL}: empty document"),
        (b"  \n\t ", NotHTMLError, f"{URL}: empty document"),
        (_png(), NotHTMLError, f"{URL}: content is a PNG image, not HTML"),
        (
            b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF",
            NotHTMLError,
            f"{URL}: content is a PDF document, not HTML",
        ),
        (
            b"\x00\x01\x02binary\x00",
            NotHTMLError,
            f"{URL}: content is binary (NUL bytes), not HTML",
        ),
        (b"just words, no markup", NotHTMLError, f"{URL}: no HTML markup in the document"),
    ],
)
def test_not_html(data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        extract(data, URL)
    assert str(raised.value) == message


def test_message_names_input_without_url() -> None:
    with pytest.raises(NotHTMLError, match=r"^<input>: empty document$"):
        extract(b"")


def test_cp1252_page_declaring_utf8_is_decoded_as_cp1252() -> None:
    page = ARTICLE.replace("<head>", '<head><meta charset="utf-8">').replace(
        "uncomfortable", "“uncomfortable” for a café owner"
    )
    record = extract_valid(page.encode("cp1252"), URL)
    assert "“uncomfortable” for a café owner" in record.text
    assert "\ufffd" not in record.text


def test_utf16_with_bom() -> None:
    record = extract_valid(
        b"\xff\xfe" + ARTICLE.replace("Fever</h1>", "Fièvre</h1>").encode("utf-16-le"), URL
    )
    assert record.title == "Fièvre"
    assert record.text.startswith("A fever is a temporary rise")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("content_type", [None, "text/html; charset=UTF-16"])
def test_utf16_without_bom_is_decoded_not_refused_as_binary(
    codec: str, content_type: str | None
) -> None:
    data = ARTICLE.replace("Fever</h1>", "Fièvre</h1>").encode(codec)
    if content_type:
        content_type = content_type.replace(
            "UTF-16", codec.replace("-le", "LE").replace("-be", "BE")
        )
    assert extract(data, URL, content_type=content_type).title == "Fièvre"


def test_nul_bytes_that_are_not_utf16_text_are_still_binary() -> None:
    with pytest.raises(NotHTMLError, match=rf"^{URL}: content is binary \(NUL bytes\), not HTML$"):
        extract(b"<html>\x00\x01\x02\x03" * 100, URL)


def test_bom_contradicted_by_bytes() -> None:
    data = b"\xef\xbb\xbf" + ARTICLE.encode() + b"\xff\xfe\xfa" * 400
    with pytest.raises(EncodingError, match=rf"^{URL}: 1,200 bytes are not valid utf-8$"):
        extract(data, URL)


def test_late_meta_charset_is_found() -> None:
    filler = "<!-- " + "x" * 5000 + " -->"
    page = ARTICLE.replace("<head>", f"<head>{filler}<meta charset='windows-1252'>")
    record = extract_valid(page.replace("adult", "adulté").encode("cp1252"), URL)
    assert "For an adulté, a fever" in record.text


def test_page_without_closing_html_is_extracted() -> None:
    """HTML5 lets </body> and </html> be left out; truncation is the crawl's call (dataloss)."""
    record = extract_valid(ARTICLE.replace("</body>", "").replace("</html>", ""), URL)
    assert record.title == "Fever"


def test_fragment_without_html_element_is_extracted() -> None:
    body = ARTICLE.split("<body>")[1].split("</body>")[0]
    record = extract_valid(f"<div>{body}</div>", URL)
    assert record.title == "Fever"


def test_page_over_size_limit_refused_before_parsing() -> None:
    big = ARTICLE.replace("</main>", "<p>" + "word " * 11_000_000 + "</p></main>").encode()
    assert len(big) > 50_000_000
    with pytest.raises(
        PageTooLargeError,
        match=rf"^{URL}: page is 55,000,\d+ bytes, over the 10,485,760-byte limit$",
    ):
        extract(big, URL)


def test_size_limit_is_configurable() -> None:
    with pytest.raises(PageTooLargeError, match="over the 100-byte limit"):
        extract(ARTICLE, URL, max_bytes=100)
    assert extract_valid(ARTICLE, URL, max_bytes=len(ARTICLE)).title == "Fever"


def test_deep_nesting() -> None:
    page = "<html><body>" + "<div>" * 10_000 + "deep" + "</div>" * 10_000 + "</body></html>"
    with pytest.raises(
        PageTooDeepError,
        match=rf"^{URL}: elements nest deeper than the parser's limit of 256 levels$",
    ):
        extract(page, URL)


def test_no_main_content() -> None:
    page = (
        "<html><head><title>Shop</title></head><body><nav><a href='/'>Home</a>"
        "<a href='/a'>About</a></nav><footer>© 2024 Example</footer></body></html>"
    )
    with pytest.raises(
        NoMainContentError, match=rf"^{URL}: no main content left after boilerplate removal$"
    ):
        extract(page, URL)


def _bomb_page() -> str:
    """An XHTML page whose internal DTD subset defines a billion-laughs entity (10**8 "lol"s)
    and an external one, used in the first paragraph."""
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(2, 10))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<!DOCTYPE html [<!ENTITY lol1 "lol">{entities}'
        '<!ENTITY ext SYSTEM "file:///etc/passwd">]>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><title>Fever</title></head>'
        f"<body><main><h1>Fever</h1><p>&lol9; &ext;</p>{ARTICLE.split('<main><h1>Fever</h1>')[1]}"
    )


def test_internal_dtd_subset_does_not_leak_into_the_page() -> None:
    """libxml2's HTML parser ends a doctype at its first ">": without the subset rewrite, "]>"
    became body text and <html lang="en"> was lost."""
    record = extract_valid(_bomb_page().encode(), URL)
    assert record.language == "en"
    assert record.title == "Fever"
    assert record.text.startswith("&lol9; &ext;\n\nA fever is a temporary rise")
    assert "]>" not in record.text


def test_internal_dtd_subset_leaves_html_lang_and_head_in_place() -> None:
    """What `_drop_internal_subset` guards, checked on the tree: without it the subset's "]>"
    opens <body> early, so <html lang> is dropped and the <head>'s elements land in the body."""
    tree = parse.parse_html(
        '<!DOCTYPE html [<!ENTITY a "b">]>\n<html lang="en"><head><title>T</title>'
        '<link rel="canonical" href="https://example.org/c"></head><body><p>x</p></body></html>',
        URL,
    )
    assert tree.get("lang") == "en"
    assert [child.tag for child in tree] == ["head", "body"]
    assert [child.tag for child in tree[0]] == ["title", "link"]
    assert "".join(tree[1].itertext()) == "x"


def test_entity_bomb_is_harmless_even_without_the_subset_rewrite(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rewrite is not what stops entity expansion: lxml's HTML parser never expands
    entities or loads external ones, with the subset in place or not."""
    monkeypatch.setattr(parse, "_drop_internal_subset", lambda text: text)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    record = extract_valid(_bomb_page().encode(), URL)
    seconds = time.perf_counter() - started
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert "&lol9; &ext;" in record.text
    assert "lollol" not in record.text
    assert "root:" not in record.text
    assert record.language is None  # the subset was not rewritten: the leak above is back
    assert grown_kib < 50_000
    assert seconds < 5


def test_unknown_profile_is_refused_with_the_choices() -> None:
    with pytest.raises(
        ValueError,
        match=r"^unknown profile 'webmd'; choose from gard, generic, mayoclinic, medlineplus, nhs$",
    ):
        extract(ARTICLE, URL, profile="webmd")


def test_content_type_charset_reaches_the_extractor() -> None:
    """KOI8-R bytes without a <meta charset>: only the header says how to read them (without it,
    a single-byte guess reads windows-1252)."""
    russian = "Лихорадка - это временное повышение температуры тела. " * 4
    page = ARTICLE.replace("</main>", f"<p>{russian}</p></main>").encode("koi8-r")
    header = "text/html; charset=KOI8-R"
    assert russian.strip() in extract_valid(page, URL, content_type=header).text
    assert russian.strip() not in extract_valid(page, URL).text
