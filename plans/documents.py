"""What a contract document may be: PDF, DOCX or XLSX, by its name AND its bytes.

The name's extension alone would let any file in renamed; the bytes alone would store a PDF
as `report.xlsx`. Both must agree: a PDF starts with `%PDF-`; DOCX and XLSX are ZIP
packages (Office Open XML) whose parts live under `word/` and `xl/`.
"""

from __future__ import annotations

import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# extension -> the content type the file is stored and served with
TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ZIP_PARTS = {".docx": "word/", ".xlsx": "xl/"}
ACCEPT = ",".join(TYPES)  # the file input's `accept`


# Room for the multipart envelope around the file (boundaries, headers, the file's name).
MULTIPART_SLACK = 64 * 1024


def max_bytes() -> int:
    return settings.CONTRACT_DOCUMENT_MAX_BYTES


def _too_large(size: int) -> ValidationError:
    return ValidationError(
        {
            "file": _("The file is %(size)s; the most accepted is %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(max_bytes())}
        }
    )


def upload_length_check(content_length: str | None) -> None:
    """Refuse an upload by its declared Content-Length, before its body is read: a body
    larger than the largest document and its multipart envelope cannot hold one (the upload
    views bound their own bodies, kam.middleware). ValidationError naming `file`."""
    try:
        declared = int(content_length or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes() + MULTIPART_SLACK:
        raise _too_large(declared)


def _sniff(stream: IO[bytes], extension: str) -> bool:
    """Whether the bytes are what the extension says."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if extension == ".pdf":
        return head.startswith(b"%PDF-")
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(stream) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        stream.seek(0)
    return "[Content_Types].xml" in names and any(n.startswith(ZIP_PARTS[extension]) for n in names)


def document_check(*, name: str, size: int, stream: IO[bytes]) -> str:
    """The content type of an acceptable document; ValidationError naming `file` if not."""
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in TYPES:
        raise ValidationError(
            {
                "file": _("Upload a PDF, DOCX or XLSX file (this one is “%(name)s”).")
                % {"name": name}
            }
        )
    if size > max_bytes():
        raise _too_large(size)
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if not _sniff(stream, extension):
        raise ValidationError(
            {
                "file": _("The file's content is not a %(kind)s document.")
                % {"kind": extension[1:].upper()}
            }
        )
    return TYPES[extension]


def document_response(document) -> FileResponse:
    """The stored file as a download: an attachment under its own name, with the type it
    was accepted as and `nosniff`, so no browser renders an upload as a page."""
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
