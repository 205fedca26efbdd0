"""Event pictures: an upload is trusted for nothing. Its type is read from
its bytes (not its name or the browser's word), its size, sides and pixel
count are capped from its header before it is decoded, and it is re-encoded
as a fresh JPEG, which drops everything but the pixels (camera details,
location, scripts).
"""
import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import DomainError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SIDE = 8000           # pixels, checked from the header before decoding
# Also from the header: a 62KB PNG of one colour at 7999x7999 is within
# MAX_SIDE yet decodes to 64 million pixels (a worker went from 158MB to 781MB).
# 40 million is well over what phones and cameras save (12 to 24 million),
# and everything is shrunk to STORED_MAX_SIDE anyway.
MAX_PIXELS = 40_000_000
MIN_WIDTH = 300
STORED_MAX_SIDE = 1600    # what is kept and served
ACCEPTED_FORMATS = {"JPEG": "JPG", "PNG": "PNG", "WEBP": "WebP"}
TOO_MANY_PIXELS = (f"The image must be no more than {MAX_PIXELS // 1_000_000} million pixels in all: "
                   "make it smaller, for example 4000 by 3000 pixels")
# Pillow's own check, for anything else that opens an image: past twice this it refuses to open one at all.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRejected(DomainError):
    field = "picture"


@dataclass(frozen=True)
class PreparedImage:
    content: bytes
    width: int
    height: int
    digest: str
    content_type: str = "image/jpeg"


def prepare(stream) -> PreparedImage:
    """Check an uploaded file and re-encode it for the event page."""
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected("The image must be smaller than 5MB")
    if not data:
        raise ImageRejected("The selected file is empty")
    try:
        with warnings.catch_warnings():
            # Pillow warns past MAX_IMAGE_PIXELS; the check below refuses the same images and says why.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))  # reads the header only
        if max(image.size) > MAX_SIDE:
            raise ImageRejected(f"The image must be no more than {MAX_SIDE} pixels wide or high")
        if image.width * image.height > MAX_PIXELS:
            raise ImageRejected(TOO_MANY_PIXELS)
        image.load()
    except Image.DecompressionBombError:  # past twice MAX_IMAGE_PIXELS: Pillow refuses to open it at all
        raise ImageRejected(TOO_MANY_PIXELS) from None
    except UnidentifiedImageError:
        raise ImageRejected("The image must be a JPG, PNG or WebP picture") from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("The image could not be read. Save it again as a JPG or PNG and try again") from None
    image = ImageOps.exif_transpose(image)
    if image.width < MIN_WIDTH:
        raise ImageRejected(f"The image must be at least {MIN_WIDTH} pixels wide")
    if image.mode != "RGB":
        background = Image.new("RGB", image.size, "white")  # transparent areas become white, not black
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    content = out.getvalue()
    return PreparedImage(content=content, width=image.width, height=image.height,
                         digest=hashlib.sha256(content).hexdigest()[:32])
