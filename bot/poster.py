"""The arrival poster: the office's arrival QR code for one day, to print and hang
at the entrance. Applicants scan it with their phone; it opens the bot with
``/start arrive-<token>`` (the token changes every day: print a new poster each morning).

One A4 page drawn with Pillow (its bundled font, so no system fonts are needed),
saved as PNG or as a one-page PDF of the same picture. At 200 dpi the text and
the QR code print sharply; the QR code is about 14 cm wide, easy to scan from a
step away.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import segno
from PIL import Image, ImageDraw, ImageFont

# A4 at 200 dpi.
DPI = 200
PAGE = (1654, 2339)
MARGIN = 120
# The QR code's width at most, with its quiet zone of QR_BORDER modules.
QR_MAX_SIDE = PAGE[0] - 2 * 250
QR_BORDER = 4
HEADLINE = "Pindai saat tiba"
INSTRUCTIONS = (
    "Sudah punya jadwal hari ini? Pindai kode ini dengan kamera ponsel",
    "saat Anda tiba. Telegram akan terbuka: ketuk Mulai untuk check-in",
    "dan mendapat nomor antrean. Panggilan masuk ke ponsel Anda.",
    "Layanan prioritas tanpa jadwal: pindai kode yang sama.",
)


def qr_matrix(link: str) -> segno.QRCode:
    """The QR code of the poster: high error correction, so a creased or dirty
    print still scans."""
    return segno.make(link, error="h", micro=False)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _fitting(draw: ImageDraw.ImageDraw, line: str, size: int) -> int:
    """The largest font size up to ``size`` at which ``line`` fits between the margins."""
    while size > 24:
        left, _, right, _ = draw.textbbox((0, 0), line, font=_font(size))
        if right - left <= PAGE[0] - 2 * MARGIN:
            break
        size -= 4
    return size


def _centred(draw: ImageDraw.ImageDraw, y: int, lines: Sequence[str], size: int, gap: int) -> int:
    """Draw ``lines`` centred from ``y`` down; the y below the last one."""
    font = _font(size)
    for line in lines:
        left, top, right, bottom = draw.textbbox((0, 0), line, font=font)
        draw.text(((PAGE[0] - (right - left)) / 2, y - top), line, fill="black", font=font)
        y += int(bottom - top) + gap
    return y


def poster_image(office_name: str, link: str, day_label: str) -> Image.Image:
    """The poster as a white A4 page: the office, the headline, the QR code of
    ``link``, the instructions and the day it is valid for."""
    page = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(page)
    y = _centred(draw, MARGIN, [office_name], _fitting(draw, office_name, 64), 24)
    y = _centred(draw, y + 40, [HEADLINE], 130, 40)
    code = qr_matrix(link)
    # Whole pixels per module, so that every module prints the same size.
    scale = QR_MAX_SIDE // code.symbol_size(border=QR_BORDER)[0]
    qr_buffer = io.BytesIO()
    code.save(qr_buffer, kind="png", scale=scale, border=QR_BORDER)
    qr = Image.open(qr_buffer).convert("RGB")
    page.paste(qr, ((PAGE[0] - qr.width) // 2, y + 20))
    y = _centred(draw, y + 20 + qr.height + 50, INSTRUCTIONS, 40, 18)
    _centred(draw, max(y + 40, PAGE[1] - MARGIN - 40), [f"Berlaku {day_label}"], 40, 0)
    return page


def poster_png(office_name: str, link: str, day_label: str) -> bytes:
    out = io.BytesIO()
    poster_image(office_name, link, day_label).save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()


def poster_pdf(office_name: str, link: str, day_label: str) -> bytes:
    """One A4 page (the size follows from the picture's pixels at ``DPI``)."""
    out = io.BytesIO()
    poster_image(office_name, link, day_label).save(out, format="PDF", resolution=DPI)
    return out.getvalue()
