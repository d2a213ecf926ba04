"""QR codes drawn on the server as SVG, so kiosks need no CDN or JS encoder.

The kiosk shows the QR of the customer's tracking page next to the issued
number. python `qrcode` comes in with python-escpos (a core dependency).
"""

from __future__ import annotations

import io

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

router = APIRouter()

MAX_DATA = 300  # a tracking URL is well under this; refuse anything bigger


def qr_svg(data: str) -> bytes:
    import qrcode
    import qrcode.image.svg

    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, image_factory=qrcode.image.svg.SvgPathImage
    )
    qr.add_data(data)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image().save(buf)
    return buf.getvalue()


@router.get("/qr.svg", include_in_schema=False)
async def get_qr(data: str = Query(..., min_length=1)) -> Response:
    if len(data) > MAX_DATA:
        raise HTTPException(422, f"data longer than {MAX_DATA} characters")
    return Response(qr_svg(data), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
