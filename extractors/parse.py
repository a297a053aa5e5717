"""Bytes to one lxml tree: refuse what is not HTML, find the charset, parse once.

Charset order is BOM, then a declared `<meta charset>` (searched past the first KB, because
real pages declare it late), then detection. A declaration the bytes contradict is ignored.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer
from lxml import etree, html

from .errors import (
    EncodingError,
    NotHTMLError,
    PageTooDeepError,
    PageTooLargeError,
)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Pages above this are refused before parsing (matches the crawler's DOWNLOAD_MAXSIZE)."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP archive",
    b"\x1f\x8b": "gzip-compressed data",
    b"RIFF": "a RIFF (WebP/AVI/WAV) file",
}
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_DOCTYPE_SUBSET = re.compile(r"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.IGNORECASE | re.DOTALL)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=html.HtmlElement, comment=html.HtmlComment, pi=html.HtmlProcessingInstruction
)
"""Every element an lxml.html HtmlElement (what trafilatura expects), looked up in C: lxml.html's
own per-tag lookup (form and input classes nobody here uses) costs a Python call per element."""
_MAX_REPLACEMENT_SHARE = 0.01
_MULTI_BYTE = ("cp932", "cp949", "cp950", "shift", "euc", "gb", "big5", "hz", "iso2022", "utf")
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}
"""Browsers decode these labels as windows-1252 (WHATWG Encoding Standard); so do we."""


def decode_html(data: bytes | str, source: str | None, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Return the page as text, or raise the specific reason it is not an HTML page."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > max_bytes:
        raise PageTooLargeError(
            source, f"page is {size:,} bytes, over the {max_bytes:,}-byte limit"
        )
    if isinstance(data, str):
        text = data
    else:
        _refuse_binary(data, source)
        text = _decode_bytes(data, source)
    if not text.strip():
        raise NotHTMLError(source, "empty document")
    if "<" not in text:
        raise NotHTMLError(source, "no HTML markup in the document")
    return text


def parse_html(text: str, source: str | None) -> etree._Element:
    """Parse once, without entity expansion or network access; refuse truncating depth."""
    text = _DOCTYPE_SUBSET.sub("<!DOCTYPE html>", _XML_DECL.sub("", text, count=1), count=1)
    parser = etree.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
    )
    parser.set_element_class_lookup(_HTML_CLASSES)
    tree = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser)
    for entry in parser.error_log:
        if "Excessive depth" in entry.message:
            raise PageTooDeepError(
                source, "elements nest deeper than the parser's limit of 256 levels"
            )
    if tree is None:
        raise NotHTMLError(source, "no HTML elements in the document")
    return tree


def _refuse_binary(data: bytes, source: str | None) -> None:
    if not data.strip():
        raise NotHTMLError(source, "empty document")
    for magic, name in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise NotHTMLError(source, f"content is {name}, not HTML")
    head = data[:4096]
    if b"\x00" in head and not any(data.startswith(bom) for bom, _ in _BOMS):
        raise NotHTMLError(source, "content is binary (NUL bytes), not HTML")


def _decode_bytes(data: bytes, source: str | None) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom) :].decode(encoding, errors="replace"), encoding, source)
    declared = _declared_charset(data)
    for encoding in (declared, "utf-8"):
        if encoding:
            try:
                return data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
    encoding = _detect(data)
    return _checked(data.decode(encoding, errors="replace"), encoding, source)


def _detect(data: bytes) -> str:
    """Detection, but a single-byte guess defers to windows-1252: on the web, text that is not
    UTF-8 and decodes as cp1252 is cp1252 (detectors pick look-alikes such as cp775)."""
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is not None and best.encoding.startswith(_MULTI_BYTE):
        return best.encoding
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return best.encoding if best else "cp1252"
    return "cp1252"


def _checked(text: str, encoding: str, source: str | None) -> str:
    """Refuse text that only decoded by replacing more than 1% of it."""
    bad = text.count("\ufffd")
    if bad > _MAX_REPLACEMENT_SHARE * len(text):
        raise EncodingError(source, f"{bad:,} bytes are not valid {encoding}")
    return text


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data)
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore").lower()
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(codec, codec)
