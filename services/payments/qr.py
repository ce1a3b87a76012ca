"""A QR code of a payment address, as PNG bytes."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.pure


def qr_png(text: str) -> bytes:
    image = qrcode.make(text, image_factory=qrcode.image.pure.PyPNGImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
