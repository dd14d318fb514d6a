"""Document files are real: PDFs parse, JPEGs and PNGs decode, padding keeps them valid."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from cli.synthetic.files import document_bytes, jpeg_bytes, pdf_bytes, png_bytes, write_document


def test_pdf_parses_strictly_and_shows_its_title() -> None:
    reader = PdfReader(io.BytesIO(pdf_bytes("Consent form 1201")), strict=True)
    assert len(reader.pages) == 1
    assert "Consent form 1201" in reader.pages[0].extract_text()


def test_jpeg_decodes_to_the_requested_grey_blocks() -> None:
    image = Image.open(io.BytesIO(jpeg_bytes([40, 100, 180, 220])))
    image.load()
    assert (image.format, image.size, image.mode) == ("JPEG", (16, 16), "L")
    assert [image.getpixel(xy) for xy in [(0, 0), (8, 0), (0, 8), (15, 15)]] == [40, 100, 180, 220]


def test_png_decodes() -> None:
    image = Image.open(io.BytesIO(png_bytes(24, 16, 10, 200)))
    image.load()
    assert image.size == (24, 16)
    assert image.getpixel((23, 0)) == (10, 255, 200)


def test_padded_files_keep_their_size_and_stay_readable(tmp_path: Path) -> None:
    rng = random.Random(3)
    for extension in ("pdf", "jpg", "png"):
        path = tmp_path / f"big.{extension}"
        size = write_document(path, document_bytes(extension, "X-ray 1", rng), 70_000)
        assert size == path.stat().st_size == 70_000
        if extension == "pdf":
            assert len(PdfReader(path).pages) == 1
        else:
            Image.open(path).load()
