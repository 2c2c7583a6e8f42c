"""Reuse embedded-font subsets and image streams between the PDFs a worker writes (WeasyPrint 70).

Every PDF WeasyPrint writes embeds a subset of each font it uses. For the CJK fonts the
subset is cut from a 20 MB collection with every glyph id kept in place, which costs about
60 ms per font and PDF, and the subset is then compressed again; for a batch of personalised
certificates written one file each, that is most of the time. So a worker keeps, per font,
one subset holding the glyphs seen so far and its compressed bytes, and a PDF whose glyphs
are all in it embeds that subset as it is (glyph ids are kept in place, so a larger subset
is still correct).

Only *public* glyphs go into a shared subset: characters of the templates' fixed texts and
of small alphabets (Latin, Cyrillic, Greek, Arabic, kana, punctuation). A document that needs
a glyph outside them (a Chinese or Korean name not in the text) gets a subset of its own, so
no PDF ever carries the outlines of another person's name.

Images: WeasyPrint decodes and re-encodes a PNG with transparency (the office seal) for every
PDF it writes; the encoded streams of an image larger than a QR code are kept and reused.

The caches are used only inside `shared_subsets(public_chars)`; elsewhere WeasyPrint behaves
as shipped. If WeasyPrint's internals change, the patch is not installed and nothing breaks
(it is only slower).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import zlib
from collections.abc import Iterator

logger = logging.getLogger(__name__)

_public: contextvars.ContextVar[frozenset[str] | None] = contextvars.ContextVar(
    "documents_public_chars", default=None)
_lock = threading.Lock()
_subsets: dict[tuple, _Subset] = {}
_blobs: dict[tuple[int, int], bytes] = {}
_images: dict[tuple, tuple] = {}
MIN_CACHED_IMAGE_BYTES = 2048
MAX_SHARED_GLYPHS = 6000
MAX_FONTS = 32
_installed = False

# Alphabets whose letters say nothing about whose document it is.
_PUBLIC_RANGES = (
    (0x0020, 0x024F), (0x0250, 0x02FF), (0x0300, 0x036F), (0x0370, 0x03FF), (0x0400, 0x052F),
    (0x0600, 0x06FF), (0x0750, 0x077F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x2070, 0x20CF),
    (0x2100, 0x214F), (0x2190, 0x21FF), (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x3000, 0x303F),
    (0x3040, 0x30FF), (0x3130, 0x318F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF), (0xFF00, 0xFFEF),
)


def _is_public_char(ch: str, extra: frozenset[str]) -> bool:
    if ch in extra:
        return True
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _PUBLIC_RANGES)


# Glyphs put in every shared subset from the start (Latin letters and punctuation), so that
# the subset does not grow letter by letter as names come: each growth cuts the font again.
_SEED_CODEPOINTS = [*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2010, 0x2027)]
_seeds: dict[tuple, dict[int, str]] = {}


def _seed(font, key: tuple) -> dict[int, str]:
    seed = _seeds.get(key)
    if seed is None:
        try:
            import io

            from fontTools.ttLib import TTFont

            ttfont = TTFont(io.BytesIO(font.file_content), fontNumber=font.index, lazy=True)
            cmap = ttfont["cmap"].getBestCmap() or {}
            seed = {ttfont.getGlyphID(cmap[cp]): chr(cp) for cp in _SEED_CODEPOINTS
                    if cp in cmap}
        except Exception:  # a font fontTools cannot read: no seed, only slower
            seed = {}
        with _lock:
            _seeds[key] = seed
    return seed


class _Subset:
    __slots__ = ("compressed", "content", "to_unicode")

    def __init__(self, to_unicode: dict[int, str], content: bytes) -> None:
        self.to_unicode = to_unicode
        self.content = content
        self.compressed: bytes | None = None


@contextlib.contextmanager
def shared_subsets(public_chars: frozenset[str]) -> Iterator[None]:
    """Within the block, PDFs share font subsets made of public glyphs (see the module)."""
    token = _public.set(frozenset(public_chars))
    try:
        yield
    finally:
        _public.reset(token)


def finisher(document, pdf) -> None:
    """WeasyPrint `finisher`: embed an already compressed copy of a shared font subset."""
    import pydyf

    with _lock:
        by_id = {id(s.content): s for s in _subsets.values()}
    if not by_id:
        return
    for obj in pdf.objects:
        if not (isinstance(obj, pydyf.Stream) and obj.compress and len(obj.stream) == 1):
            continue
        subset = by_id.get(id(obj.stream[0]))
        if subset is None or obj.stream[0] is not subset.content:
            continue
        if subset.compressed is None:
            subset.compressed = zlib.compress(subset.content, 9)
        obj.stream = [subset.compressed]
        obj.compress = False
        obj.extra["Filter"] = "/FlateDecode"


def install() -> None:
    """Install the patch into WeasyPrint once (idempotent)."""
    global _installed
    if _installed:
        return
    try:
        import hashlib

        import pydyf
        from weasyprint import images as weasy_images
        from weasyprint.pdf import fonts as pdf_fonts
        from weasyprint.text.ffi import ffi, harfbuzz

        original_x_object = weasy_images.RasterImage.get_x_object
        original_clean = pdf_fonts.Font.clean
        original_data = pdf_fonts.get_hb_object_data
        uintptr = ffi.typeof("uintptr_t")
        length_type = ffi.typeof("unsigned int *")
    except (ImportError, AttributeError) as exc:  # pragma: no cover - another WeasyPrint
        logger.warning("documents: font subset cache not installed (%s)", exc)
        _installed = True
        return

    def face_data(hb_object, ot_color=None, glyph=None):
        """The whole font file of a face, copied once per file instead of once per PDF."""
        if ot_color is not None or _public.get() is None:
            return original_data(hb_object, ot_color, glyph)
        blob = harfbuzz.hb_face_reference_blob(hb_object)
        try:
            length = ffi.new(length_type)
            pointer = harfbuzz.hb_blob_get_data(blob, length)
            key = (int(ffi.cast(uintptr, pointer)), length[0])
        finally:
            harfbuzz.hb_blob_destroy(blob)
        data = _blobs.get(key)
        if data is None:
            data = original_data(hb_object)
            with _lock:
                if len(_blobs) >= MAX_FONTS:
                    _blobs.clear()
                _blobs[key] = data
        return data

    def clean(self, to_unicode, hinting):
        public = _public.get()
        if (public is None or not to_unicode or self.missing or self.png or self.svg
                or self.colr or "fvar" in self.tables):
            return original_clean(self, to_unicode, hinting)
        key = (self.family, self.weight, self.style, self.index, len(self.file_content),
               bool(hinting))
        with _lock:
            shared = _subsets.get(key)
        if shared is not None and to_unicode.keys() <= shared.to_unicode.keys():
            self.file_content = shared.content
            return None
        if not all(_is_public_char(ch, public) for text in to_unicode.values() for ch in text):
            return original_clean(self, to_unicode, hinting)  # a subset of its own
        merged = dict(shared.to_unicode) if shared is not None else dict(_seed(self, key))
        merged.update(to_unicode)
        if len(merged) > MAX_SHARED_GLYPHS:
            merged = dict(to_unicode)
        original_clean(self, merged, hinting)
        with _lock:
            if len(_subsets) >= MAX_FONTS:
                _subsets.clear()
            _subsets[key] = _Subset(merged, self.file_content)
        return None

    def _bytes(items):
        return [item.data if isinstance(item, pydyf.Object) else item for item in items]

    def get_x_object(self, interpolate, dpi_ratio):
        """The image's PDF stream, encoded once per process for images used again and again."""
        source = self.image_data.data if _public.get() is not None else b""
        if len(source) < MIN_CACHED_IMAGE_BYTES:
            return original_x_object(self, interpolate, dpi_ratio)
        key = (hashlib.sha256(source).digest(), interpolate, dpi_ratio)
        entry = _images.get(key)
        if entry is None:
            made = original_x_object(self, interpolate, dpi_ratio)
            extra = dict(made.extra)
            smask = extra.pop("SMask", None)
            entry = (_bytes(made.stream), extra,
                     (_bytes(smask.stream), dict(smask.extra)) if smask is not None else None)
            with _lock:
                if len(_images) >= MAX_FONTS:
                    _images.clear()
                _images[key] = entry
        stream, extra, smask = entry
        x_object = pydyf.Stream(list(stream), pydyf.Dictionary(extra))
        if smask is not None:
            x_object.extra["SMask"] = pydyf.Stream(list(smask[0]), pydyf.Dictionary(smask[1]))
        return x_object

    pdf_fonts.Font.clean = clean
    pdf_fonts.get_hb_object_data = face_data
    weasy_images.RasterImage.get_x_object = get_x_object
    _installed = True


def clear() -> None:
    """Forget every shared subset (tests; a worker that wants its memory back)."""
    with _lock:
        _subsets.clear()
        _blobs.clear()
        _seeds.clear()
        _images.clear()
