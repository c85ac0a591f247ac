"""Documents uploaded in the CMS are served as downloads, never as pages of our origin.

Wagtail's own serve view checks the document's privacy and collection permissions; this
wrapper then forces `Content-Disposition: attachment`, a content type from the allow-list
below (anything else is `application/octet-stream`) and `X-Content-Type-Options: nosniff`, so
an uploaded `.html` or `.svg` (refused by WAGTAILDOCS_EXTENSIONS anyway) can never run script
on our origin. The files under MEDIA_ROOT/documents/ are not served by /media/ at all
(shop.core.media).
"""

from __future__ import annotations

from django.utils.http import content_disposition_header
from wagtail.documents.views.serve import serve as wagtail_serve

SAFE_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}


def safe_content_type(filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return SAFE_CONTENT_TYPES.get(extension, "application/octet-stream")


def serve_document(request, document_id: int, document_filename: str):
    response = wagtail_serve(request, document_id, document_filename)
    if 200 <= response.status_code < 300:
        response["Content-Type"] = safe_content_type(document_filename)
        response["Content-Disposition"] = content_disposition_header(True, document_filename)
        response["X-Content-Type-Options"] = "nosniff"
    return response
