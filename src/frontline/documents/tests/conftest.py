"""Fixtures of the documents tests: files go to a temporary MEDIA_ROOT; PDF helpers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FRONTLINE_SITE_URL = "https://frontline.example"


def pdf_text(path_or_bytes, tmp_path: Path | None = None, *, page: int | None = None) -> str:
    """The text poppler's pdftotext reads from a PDF (whitespace collapsed)."""
    path = _as_path(path_or_bytes, tmp_path)
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    out = subprocess.run([*args, str(path), "-"], capture_output=True, check=True).stdout
    return " ".join(out.decode("utf-8").split())


def pdf_fonts(path_or_bytes, tmp_path: Path | None = None) -> list[dict[str, str]]:
    """The rows of `pdffonts`: name and whether the font is embedded."""
    path = _as_path(path_or_bytes, tmp_path)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True,
                         text=True).stdout.splitlines()
    rows = []
    for line in out[2:]:
        parts = line.split()
        # name type... encoding emb sub uni objectID gen: emb is the 5th column from the end
        rows.append({"name": parts[0], "emb": parts[-5]})
    return rows


def _as_path(path_or_bytes, tmp_path: Path | None) -> Path:
    if isinstance(path_or_bytes, bytes):
        assert tmp_path is not None
        path = tmp_path / f"doc-{abs(hash(path_or_bytes))}.pdf"
        path.write_bytes(path_or_bytes)
        return path
    return Path(path_or_bytes)
