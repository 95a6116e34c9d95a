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


def large_phone_jpeg(orientation=1) -> bytes:
    """A 4,000 × 3,000 phone photo of about 5.5 MB: fine grain that JPEG
    cannot squeeze much, as a real phone's sensor noise and detail."""
    size = (4000, 3000)
    grain = [Image.effect_noise((2000, 1500), 30).resize(size, Image.BICUBIC) for _ in range(2)]
    # The blue channel fades left to right: shows which way the photo was turned.
    fade = Image.linear_gradient("L").rotate(90).resize(size)
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 12.5)})
    out = io.BytesIO()
    Image.merge("RGB", (*grain, fade)).save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


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


def display_p3_profile() -> bytes:
    """An ICC v2 RGB profile with Display P3's primaries (D65 white, as
    D50-adapted colorants, as Apple's profile lists them) and a 2.2 gamma:
    enough for a colour manager to tell its colours from sRGB's."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    def text(value: str) -> bytes:
        ascii_text = value.encode() + b"\0"
        return b"desc\0\0\0\0" + struct.pack(">I", len(ascii_text)) + ascii_text + bytes(4 + 4 + 67)

    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = [
        (b"desc", text("Display P3 (test)")),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", xyz(0.2920, 0.6922, 0.0419)),
        (b"bXYZ", xyz(0.1571, 0.0666, 0.7841)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
        (b"cprt", b"text\0\0\0\0No copyright, test data\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + bytes(4)
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(24)
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + bytes(48)
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data
