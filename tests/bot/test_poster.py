"""The arrival poster: a PNG and a one-page A4 PDF whose QR code reads back as the
arrival link (zxing-cpp, of the dev extra, decodes it offline)."""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image

from bot.poster import DPI, PAGE, poster_image, poster_pdf, poster_png

LINK = "https://t.me/tanpa_bot?start=arrive-K7Q2M9XW4HZP3T6B"
OFFICE = "Kantor Imigrasi Kelas I Khusus TPI Jakarta Selatan"
VALID = "Selasa, 1 Desember 2026"
# A4 in points (1/72 inch).
A4 = (595.3, 841.9)


def test_the_png_is_an_a4_page_whose_qr_code_reads_as_the_link() -> None:
    image = Image.open(io.BytesIO(poster_png(OFFICE, LINK, VALID)))
    image.load()
    assert image.format == "PNG"
    assert image.size == PAGE
    assert round(image.info["dpi"][0]) == DPI
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [LINK]


def test_the_pdf_is_one_a4_page_with_the_same_qr_code() -> None:
    pdf = poster_pdf(OFFICE, LINK, VALID)
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert len(boxes) == 1
    width, height = (float(side) for side in boxes[0])
    assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1


def test_a_long_office_name_stays_inside_the_margins() -> None:
    name = "Unit Layanan Paspor Kantor Imigrasi Kelas I TPI Soekarno-Hatta Tangerang Banten"
    image = poster_image(name, LINK, VALID).convert("L")
    band = (0, 0, PAGE[0], 300)  # the office name's line
    assert image.crop(band).getextrema()[0] < 128  # something is written there
    assert image.crop((0, 0, 100, 300)).getextrema() == (255, 255)
    assert image.crop((PAGE[0] - 100, 0, PAGE[0], 300)).getextrema() == (255, 255)
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [LINK]
