"""Test photos made on the spot: a phone's JPEG with GPS and orientation
EXIF, and files that only pretend to be images."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# EXIF tags: Orientation, GPSInfo, and in it latitude.
ORIENTATION = 0x0112
GPS_IFD = 0x8825


def phone_jpeg(width=1200, height=900, orientation=1, name="photo.jpg") -> SimpleUploadedFile:
    """A JPEG with a position in its EXIF, as phones write them."""
    image = Image.new("RGB", (width, height), (200, 40, 40))
    # Left half blue: shows which way the photo was turned.
    image.paste((30, 60, 200), (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def encoded(image: Image.Image, format_name: str, name: str, **params) -> SimpleUploadedFile:
    out = io.BytesIO()
    image.save(out, format_name, **params)
    return SimpleUploadedFile(name, out.getvalue())


def png_claiming(width: int, height: int) -> SimpleUploadedFile:
    """A tiny PNG whose header claims huge dimensions: a decompression bomb."""
    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return SimpleUploadedFile("bomb.png", bytes(data))


SVG = SimpleUploadedFile(
    "logo.jpg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'
)
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
