"""Files handed to the browser: the right type, a file name in Chinese that every browser keeps."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".zip": "application/zip",
}


def attachment(content: bytes, name: str) -> Response:
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return Response(
        content,
        media_type=TYPES.get(ext, "application/octet-stream"),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "X-Content-Type-Options": "nosniff"},
    )
