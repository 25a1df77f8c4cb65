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


def scene(width: int = 3000, height: int = 2000, seed: int = 0) -> bytes:
    """A JPEG that looks like a photo at a glance (sky, hills, a sun), for screenshots and
    the bench: real encoders do real work on it."""
    from PIL import ImageDraw, ImageFilter

    sky = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (sky.point(lambda v: 60 + v // 3), sky.point(lambda v: 110 + v // 3),
                                sky.point(lambda v: 200 + v // 5)))  # fmt: skip
    draw = ImageDraw.Draw(image)
    sun = width // 10
    draw.ellipse((width * 0.7, height * 0.15, width * 0.7 + sun, height * 0.15 + sun),
                 fill=(255, 210, 120))  # fmt: skip
    for layer in range(3):
        shade = (40 + 30 * layer + 20 * seed, 90 + 25 * layer, 50 + 10 * layer)
        top = height * (0.5 + 0.12 * layer)
        points = [(x, top - ((x * (layer + 3) + seed * 97) % (height // 5))) for x in
                  range(0, width + 200, 200)]  # fmt: skip
        draw.polygon([(0, height), *points, (width, height)], fill=shade)
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    image = Image.blend(image, noise, 0.08).filter(ImageFilter.GaussianBlur(1))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()
