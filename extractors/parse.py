"""Bytes to one lxml tree: refuse what is not HTML, find the charset, sanitise, parse once.

Charset order is WHATWG's ("determine the character encoding"): a BOM, then the transport
layer's label (the Content-Type header's charset), then a `<meta charset>` prescan (searched past
the first KB, because real pages declare it late), then detection. Labels resolve as the WHATWG
Encoding Standard says (webencodings): iso-8859-1 and ascii mean windows-1252, a meta's UTF-16
label means UTF-8, and a label it does not know ("punycode", "base64", "utf-7"), "replacement"
or "x-user-defined" is ignored. A label the bytes contradict (strict decoding fails, or leaves
no "<") is ignored too.

Characters XML forbids (C0 controls but tab, newline and carriage return; lone surrogates;
U+FFFE and U+FFFF), raw or as numeric character references, become spaces once, right after
decoding: lxml refuses them in any string set later ("All strings must be XML compatible"), and
a space, unlike removal, never joins two words that a form feed or vertical tab separated.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

import charset_normalizer
import webencodings
from lxml import etree, html

from .errors import (
    EncodingError,
    NotHTMLError,
    PageTooDeepError,
    PageTooLargeError,
    TooManyElementsError,
)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Pages above this are refused before parsing (matches the crawler's DOWNLOAD_MAXSIZE)."""
MAX_ELEMENTS = 100_000
"""Pages with more elements are refused once parsed: each element costs the later passes about
50 µs, so 250,000 `<br>` (1 MB) took 13 s and 543 MiB. The largest of 679 real pages measured
(benchmarks and ../shared/pages, 2019-2026) had 14,319."""

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
_META_OPEN = re.compile(rb"<meta(?=[\s/])", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""charset\s*=\s*(?:["']\s*)?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
"""Searched only inside one <meta ...> tag at a time (see _meta_encoding): a pattern spanning
from "<meta" to "charset" rescanned the rest of the page from every "<meta" (quadratic)."""
_HEADER_CHARSET = re.compile(r""";\s*charset\s*=\s*(?:"\s*)?([^\s";]+)""", re.IGNORECASE)
_UNUSABLE = {"replacement", "x-user-defined"}
"""WHATWG labels that name no text encoding of a page: treated as unknown."""
_META_UTF16 = {"utf-16be", "utf-16le"}
_UTF16_CODECS = {"utf-16-le", "utf-16-be"}
_UTF16_SNIFF_BYTES = 512
"""A meta label can only be read by an ASCII-compatible decoding, so WHATWG reads it as UTF-8."""
_PYTHON_CODECS = {"shift_jis": "cp932", "euc-kr": "cp949", "big5": "big5hkscs", "gbk": "gb18030"}
"""WHATWG decoders are the Windows/HKSCS supersets of these; older webencodings releases map
them to the strict Python codecs, which fail on the extra characters."""
_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_SUBSET_OPEN = re.compile(r"[^\[>]*\[")
_SUBSET_END = re.compile(r"\]\s*>")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NUMERIC_REF = re.compile(
    r"&#(?:[xX]0*(?P<hex>[0-9a-fA-F]{1,6})(?![0-9a-fA-F])|0*(?P<dec>\d{1,7})(?!\d));?"
)
_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=html.HtmlElement, comment=html.HtmlComment, pi=html.HtmlProcessingInstruction
)
"""Every element an lxml.html HtmlElement (what trafilatura expects), looked up in C: lxml.html's
own per-tag lookup (form and input classes nobody here uses) costs a Python call per element."""
_MAX_REPLACEMENT_SHARE = 0.01
_MULTI_BYTE = ("cp932", "cp949", "cp950", "shift", "euc", "gb", "big5", "hz", "iso2022", "utf")


def decode_html(
    data: bytes | str,
    source: str | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    content_type: str | None = None,
) -> str:
    """Return the page as text free of XML-forbidden characters, or raise the specific reason
    it is not an HTML page. `content_type` is the HTTP header, whose charset outranks the
    page's own <meta> (text input is already decoded: it is ignored there)."""
    size = len(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    if size > max_bytes:
        raise PageTooLargeError(
            source, f"page is {size:,} bytes, over the {max_bytes:,}-byte limit"
        )
    if isinstance(data, str):
        text = data
    else:
        wide = _utf16_encoding(data, content_type)
        _refuse_binary(data, source, nul_bytes_allowed=wide is not None)
        text = _decode_bytes(data, source, content_type, wide)
    text = sanitise_text(text)
    if not text.strip():
        raise NotHTMLError(source, "empty document")
    if "<" not in text:
        raise NotHTMLError(source, "no HTML markup in the document")
    return text


def sanitise_text(text: str) -> str:
    """Replace every XML-forbidden character, raw or written as a numeric character reference
    (lxml's parser turns "&#12;" into a form feed), with a space."""
    text = _FORBIDDEN_CHARS.sub(" ", text)
    return _NUMERIC_REF.sub(_allowed_reference, text) if "&#" in text else text


def _allowed_reference(match: re.Match[str]) -> str:
    number = int(match["hex"], 16) if match["hex"] else int(match["dec"])
    if number < 0x110000 and _FORBIDDEN_CHARS.match(chr(number)):
        return " "
    return match[0]


def parse_html(text: str, source: str | None) -> etree._Element:
    """Parse `decode_html`'s text once, without entity expansion or network access; refuse
    truncating depth."""
    text = _drop_internal_subset(_XML_DECL.sub("", text, count=1))
    parser = etree.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
    )
    parser.set_element_class_lookup(_HTML_CLASSES)
    tree = etree.fromstring(text.encode("utf-8"), parser)
    for entry in parser.error_log:
        if "Excessive depth" in entry.message:
            raise PageTooDeepError(
                source, "elements nest deeper than the parser's limit of 256 levels"
            )
    if tree is None:
        raise NotHTMLError(source, "no HTML elements in the document")
    elements = sum(1 for _ in tree.iter())
    if elements > MAX_ELEMENTS:
        raise TooManyElementsError(
            source, f"{elements:,} elements, past the limit of {MAX_ELEMENTS:,}"
        )
    return tree


def _drop_internal_subset(text: str) -> str:
    """`<!DOCTYPE html [...]>` becomes `<!DOCTYPE html>`. libxml2's HTML parser ends a doctype
    at its first ">" and never expands entities either way, but the subset's rest ("]>") would
    become body text, opening <body> early: <html lang> and the <head> would be lost. Only the
    first doctype is looked at, with one pass for "[" and one for "]>", so this stays linear."""
    doctype = _DOCTYPE.search(text)
    opened = _SUBSET_OPEN.match(text, doctype.end()) if doctype else None
    closed = _SUBSET_END.search(text, opened.end()) if opened else None
    if not closed:
        return text
    return f"{text[: doctype.start()]}<!DOCTYPE html>{text[closed.end() :]}"


def _utf16_encoding(data: bytes, content_type: str | None) -> str | None:
    """UTF-16 without a BOM: named by the header's charset (unless the bytes hold no NUL, which
    contradicts it), or recognised as markup whose every ASCII character has a NUL byte beside
    it (such text would otherwise look binary)."""
    head = data[:_UTF16_SNIFF_BYTES]
    header = _HEADER_CHARSET.search(content_type) if content_type else None
    codec = _codec(header[1], meta=False) if header else None
    if codec in _UTF16_CODECS and 0 in head:
        return codec
    for text, nuls, codec in (
        (head[0::2], head[1::2], "utf-16-le"),
        (head[1::2], head[0::2], "utf-16-be"),
    ):
        if len(nuls) >= 8 and nuls.count(0) >= 0.9 * len(nuls) and b"<" in text and 0 not in text:
            return codec
    return None


def _refuse_binary(data: bytes, source: str | None, *, nul_bytes_allowed: bool) -> None:
    if not data.strip():
        raise NotHTMLError(source, "empty document")
    for magic, name in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise NotHTMLError(source, f"content is {name}, not HTML")
    head = data[:4096]
    bom = any(data.startswith(bom) for bom, _ in _BOMS)
    if b"\x00" in head and not (bom or nul_bytes_allowed):
        raise NotHTMLError(source, "content is binary (NUL bytes), not HTML")


def _decode_bytes(
    data: bytes, source: str | None, content_type: str | None, utf16: str | None
) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom) :].decode(encoding, errors="replace"), encoding, source)
    if utf16:
        return _checked(data.decode(utf16, errors="replace"), utf16, source)
    for encoding in _declared(data, content_type):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "<" in text:
            return text
    encoding = _detect(data)
    return _checked(data.decode(encoding, errors="replace"), encoding, source)


def _declared(data: bytes, content_type: str | None) -> Iterator[str]:
    """Codecs to try strictly, in WHATWG order: the header's charset, the meta's, then UTF-8."""
    header = _HEADER_CHARSET.search(content_type) if content_type else None
    if header and (codec := _codec(header[1], meta=False)):
        yield codec
    meta = _meta_encoding(data)
    if meta:
        yield meta
    yield "utf-8"


def _meta_encoding(data: bytes) -> str | None:
    """The first known charset label in a <meta> tag, as WHATWG's prescan finds it (an unknown
    label does not stop the search). Each tag is searched up to its own ">" and the next
    "<meta" is looked for after that, so every byte is read a bounded number of times."""
    at = 0
    while tag := _META_OPEN.search(data, at):
        end = data.find(b">", tag.end())
        end = len(data) if end == -1 else end
        label = _META_CHARSET.search(data, tag.end(), end)
        codec = _codec(label[1].decode("ascii"), meta=True) if label else None
        if codec:
            return codec
        at = end + 1
    return None


def _codec(label: str, *, meta: bool) -> str | None:
    """The Python codec of a WHATWG encoding label, or None for a label to ignore."""
    encoding = webencodings.lookup(label)
    if encoding is None or encoding.name in _UNUSABLE:
        return None
    if meta and encoding.name in _META_UTF16:
        return "utf-8"
    return _PYTHON_CODECS.get(encoding.name, encoding.codec_info.name)


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
