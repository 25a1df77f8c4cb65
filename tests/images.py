"""Pictures made in the test, with Pillow: no fixture file to trust or to go stale."""

from __future__ import annotations

import io

from PIL import Image, TiffImagePlugin

GPS_IFD = 0x8825


def photo(width: int = 2000, height: int = 1500, kind: str = "JPEG", **save: object) -> bytes:
    """A picture with detail (a gradient and stripes), so encoders have something to do."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    pixels = image.load()
    assert pixels is not None
    for x in range(0, width, 37):
        for y in range(height):
            pixels[x, y] = (200, 30, 30)
    if kind in ("PNG", "WEBP", "GIF"):
        image = image.convert("RGBA" if kind != "GIF" else "P")
    buffer = io.BytesIO()
    image.save(buffer, kind, **save)
    return buffer.getvalue()


def photo_with_gps(width: int = 1200, height: int = 800) -> bytes:
    """A JPEG that says where it was taken (GPS), which camera, and that it lies on its side
    (orientation 6: turn it 90° clockwise to see it upright), with a comment and XMP."""
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x0112] = 6  # orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (TiffImagePlugin.IFDRational(50), TiffImagePlugin.IFDRational(27), 0)
    gps[3] = "E"
    gps[4] = (TiffImagePlugin.IFDRational(30), TiffImagePlugin.IFDRational(31), 0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    return photo(width, height, exif=exif.tobytes(), comment=b"secret source", xmp=xmp)
