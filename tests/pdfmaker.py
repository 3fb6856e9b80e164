"""Small hand-built PDFs for tests (what the real corpus lacks: encrypted, scanned, bombs).

Written byte by byte from the PDF 1.4 spec so no extra package is needed.
"""

from __future__ import annotations

import hashlib
import zlib

_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _assemble(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R ".encode()
        + trailer_extra
        + f">>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _page_objects(stream_dict: bytes, stream: bytes, resources: bytes) -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources " + resources + b" >>",
        b"<< "
        + stream_dict
        + b"/Length "
        + str(len(stream)).encode()
        + b" >>\nstream\n"
        + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


_FONT = b"<< /Font << /F1 5 0 R >> >>"


def text_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII, no parentheses) in Helvetica."""
    content = f"BT /F1 12 Tf 72 700 Td ({text}) Tj ET".encode()
    return _assemble(_page_objects(b"", content, _FONT))


def bomb_pdf(megabytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to `megabytes` MiB (a zip bomb)."""
    comp = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    data = comp.compress(b"BT /F1 12 Tf 72 700 Td (bomb) Tj ET\n")
    for _ in range(megabytes):
        data += comp.compress(chunk)
    data += comp.flush()
    return _assemble(_page_objects(b"/Filter /FlateDecode ", data, _FONT))


def image_only_pdf() -> bytes:
    """A one-page PDF holding only an image (a "scanned" page: no text layer)."""
    width = height = 8
    pixels = zlib.compress(bytes([200, 200, 200]) * width * height)
    objects = _page_objects(
        b"", b"q 500 0 0 700 50 50 cm /Im1 Do Q", b"<< /XObject << /Im1 5 0 R >> >>"
    )
    objects[4] = (
        (
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
            f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode "
            f"/Length {len(pixels)} >>\nstream\n"
        ).encode()
        + pixels
        + b"\nendstream"
    )
    return _assemble(objects)


def encrypted_pdf(
    text: str, user_password: bytes = b"secret", owner_password: bytes = b"owner"
) -> bytes:
    """A one-page PDF encrypted with the standard security handler (RC4 40-bit, R2)."""
    file_id = hashlib.md5(b"greenlens test").digest()
    permissions = -4
    owner_key = hashlib.md5((owner_password + _PAD)[:32]).digest()[:5]
    o_entry = _rc4(owner_key, (user_password + _PAD)[:32])
    key = hashlib.md5(
        (user_password + _PAD)[:32]
        + o_entry
        + permissions.to_bytes(4, "little", signed=True)
        + file_id
    ).digest()[:5]
    u_entry = _rc4(key, _PAD)
    content = f"BT /F1 12 Tf 72 700 Td ({text}) Tj ET".encode()
    object_key = hashlib.md5(key + (4).to_bytes(3, "little") + (0).to_bytes(2, "little")).digest()[
        :10
    ]
    objects = _page_objects(b"", _rc4(object_key, content), _FONT)
    objects.append(
        f"<< /Filter /Standard /V 1 /R 2 /O <{o_entry.hex()}> "
        f"/U <{u_entry.hex()}> /P {permissions} >>".encode()
    )
    trailer = f"/Encrypt 6 0 R /ID [<{file_id.hex()}> <{file_id.hex()}>] ".encode()
    return _assemble(objects, trailer)
