"""Uploaded pictures: checked, cleaned and cut into renditions. Pure: bytes in, bytes out.

Nothing in an uploaded file is trusted. Its type is what Pillow decodes it as (never its name
or declared type); its structure is walked to its end marker, so that a file that is also
HTML, a script or a ZIP (a polyglot) is refused, as are truncated files and decompression
bombs. What is kept is re-encoded from pixels only: EXIF (with GPS), XMP, comments and
colour profiles never reach a reader, and the orientation and colours are applied first.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError

from liveline.errors import N_, Say
from liveline.formats.imagefiles import structure_problem

WIDTHS = (480, 960, 1600)
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
DEFAULT_MAX_PIXELS = 64_000_000  # a 12 MP photo is 12,000,000; panoramas go well beyond
MAX_FRAMES = 300  # an animated GIF's frames; each also counts against the pixel limit

# Markup and archives hidden inside an image (a comment segment, a text chunk): browsers that
# sniff content, or a server that serves the file under another name, would run them.
MARKUP = re.compile(
    rb"<(?:script|html|body|iframe|svg|object|embed|meta|!doctype|\?php)[\s>/]"
    rb"|javascript:",
    re.IGNORECASE,
)
ZIP_LOCAL, ZIP_END = b"PK\x03\x04", b"PK\x05\x06"


class Refused(ValueError):
    """Why a file is not taken, in words for the person who sent it (`said`, to translate;
    str() is the English)."""

    def __init__(self, template: str, **values: object) -> None:
        self.said = Say(template, **values)
        super().__init__(self.said.text())


@dataclass(frozen=True, slots=True)
class Encoded:
    data: bytes
    type: str  # a MIME type
    width: int
    height: int

    @property
    def key(self) -> str:
        """Its name in storage: the hash of its bytes, so one picture is stored once."""
        return f"{hashlib.sha256(self.data).hexdigest()[:40]}.{EXTENSIONS[self.type]}"


@dataclass(frozen=True, slots=True)
class Processed:
    original: Encoded  # the whole picture, cleaned, at full size: kept for crops and archives
    renditions: tuple[Encoded, ...]  # smallest first, WebP and the original's format


def content_id(data: bytes) -> str:
    """An upload's id: the hash of the bytes as sent, so sending them again finds them."""
    return hashlib.sha256(data).hexdigest()[:32]


def process(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Processed:
    """Check `data` and make the picture's cleaned original and renditions (CPU-heavy: call it
    off the event loop). Raises Refused with the reason, having made nothing."""
    image, kind = _open(data, max_pixels)
    return _made(_frames(image, kind), kind)


def derive(
    data: bytes, box: tuple[int, int, int, int], rotate: int, max_pixels: int = DEFAULT_MAX_PIXELS
) -> Processed:
    """A cut of a cleaned original (`Processed.original`'s bytes): the rectangle `box`
    (left, top, width, height, in its pixels), then turned `rotate` degrees clockwise (0, 90,
    180 or 270), with renditions of its own. The caller has checked the box lies inside."""
    image, kind = _open(data, max_pixels)
    left, top, width, height = box
    turn = {0: None, 90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
            270: Image.Transpose.ROTATE_90}[rotate]  # fmt: skip
    frames = []
    for frame in _frames(image, kind):
        cut = frame.crop((left, top, left + width, top + height))
        cut = cut if turn is None else cut.transpose(turn)
        cut.info = frame.info
        frames.append(cut)
    return _made(frames, kind)


def _made(frames: list[Image.Image], kind: str) -> Processed:
    original = _encode(frames, kind)
    full_width, full_height = frames[0].size
    widths = {w for w in WIDTHS if w < full_width} | {min(full_width, WIDTHS[-1])}
    renditions: list[Encoded] = []
    source = frames
    # Largest first, each cut from the one before: a 12 MP photo is resampled once, and the
    # smaller sizes from 1600 px (a third of the time, no visible difference).
    for width in sorted(widths, reverse=True):
        height = max(1, round(full_height * width / full_width))
        source = _resize(source, width, height)
        for target in ("WEBP", kind) if kind != "WEBP" else ("WEBP",):
            renditions.append(_encode(source, target))
    renditions.sort(key=lambda item: (item.width, item.type != "image/webp"))
    return Processed(original, tuple(renditions))


def check(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> str:
    """The MIME type of a file that passes every check `process` makes (archived files coming
    back in, which may have been edited by hand); raises Refused."""
    return FORMATS[_open(data, max_pixels)[1]]


def _open(data: bytes, max_pixels: int) -> tuple[Image.Image, str]:
    if data.startswith(ZIP_LOCAL):
        raise Refused(N_("the file is a ZIP archive, not an image (JPEG, PNG, WebP or GIF)"))
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check is global and only warns below twice its limit; ours,
            # made just below from the header, is the one that decides (per call).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except UnidentifiedImageError:
        raise Refused(
            N_(
                "the file is not a JPEG, PNG, WebP or GIF image (its content was read, not "
                "its name)"
            )
        ) from None
    except Image.DecompressionBombError:
        raise Refused(BOMB, size="", most=f"{max_pixels:,}") from None
    kind = str(image.format)
    frames = getattr(image, "n_frames", 1)
    if image.width * image.height * min(frames, MAX_FRAMES) > max_pixels:
        size = f" ({image.width}×{image.height}{f' × {frames} frames' if frames > 1 else ''})"
        raise Refused(BOMB, size=size, most=f"{max_pixels:,}")
    if frames > MAX_FRAMES:
        raise Refused(
            N_("the animation has %(frames)s frames; at most %(most)s are taken"),
            frames=frames,
            most=MAX_FRAMES,
        )
    problem = structure_problem(data, kind)
    if problem is not None:  # the problem in English: the file's structure, for the curious
        raise Refused(N_("the %(kind)s file %(problem)s"), kind=_name(kind), problem=problem)
    if MARKUP.search(data) or (ZIP_LOCAL in data and ZIP_END in data):
        raise Refused(
            N_("the %(kind)s file also holds HTML, a script or a ZIP archive (a polyglot)"),
            kind=_name(kind),
        )
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise Refused(
            N_("the %(kind)s file is damaged or truncated (%(reason)s)"),
            kind=_name(kind),
            reason=str(exc),
        ) from None
    return image, kind


BOMB = N_(
    "the image is too large to decode safely%(size)s: at most %(most)s pixels (a decompression "
    "bomb, or a picture bigger than this site takes)"
)


def _name(kind: str) -> str:
    return {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}[kind]


def _frames(image: Image.Image, kind: str) -> list[Image.Image]:
    """The pixels, upright and in sRGB, with nothing else of the file: one frame for a still
    picture, every frame of an animation."""
    sources = (
        [image] if kind != "GIF" else [frame.copy() for frame in ImageSequence.Iterator(image)]
    )
    icc = image.info.get("icc_profile")
    cleaned = []
    for source in sources:
        frame = ImageOps.exif_transpose(source) if kind != "GIF" else source
        frame = _to_srgb(frame, icc)
        frame.info = {"duration": source.info.get("duration", 100)} if kind == "GIF" else {}
        cleaned.append(frame)
    return cleaned


SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(frame: Image.Image, icc: bytes | None) -> Image.Image:
    alpha = frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info
    mode = "RGBA" if alpha else "RGB"
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            rgb = frame.convert(mode) if frame.mode not in ("RGB", "RGBA", "CMYK") else frame
            converted = ImageCms.profileToProfile(rgb, source, SRGB, outputMode=mode)
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels as they are beat refusing a news photo
    return frame.convert(mode)


def _resize(frames: list[Image.Image], width: int, height: int) -> list[Image.Image]:
    lanczos = Image.Resampling.LANCZOS
    return [
        frame if frame.size == (width, height) else frame.resize((width, height), lanczos)
        for frame in frames
    ]


def _encode(sized: list[Image.Image], kind: str) -> Encoded:
    first = sized[0]
    width, height = first.size
    buffer = io.BytesIO()
    if kind == "JPEG":
        first.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    elif kind == "PNG":
        first.save(buffer, "PNG", optimize=width <= WIDTHS[-1])
    elif kind == "WEBP":
        extra = {"save_all": True, "append_images": sized[1:], "duration": _durations(sized)}
        first.save(buffer, "WEBP", quality=80, method=4, **(extra if len(sized) > 1 else {}))
    else:  # GIF
        palette = [frame.convert("RGBA").quantize(255) for frame in sized]
        durations = _durations(sized)
        palette[0].save(
            buffer, "GIF", save_all=len(palette) > 1, append_images=palette[1:],
            duration=durations if len(palette) > 1 else durations[0], loop=0, optimize=False,
        )  # fmt: skip
    return Encoded(buffer.getvalue(), FORMATS[kind], width, height)


def _durations(frames: list[Image.Image]) -> list[int]:
    return [int(frame.info.get("duration", 100)) for frame in frames]
