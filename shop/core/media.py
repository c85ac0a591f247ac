"""/media/ when Django serves it (SERVE_MEDIA, the demo and the tests): images only.

Uploaded files under MEDIA_ROOT are user content. Only image files (by extension, and Wagtail
and Oscar check uploads by content) are served here, with `nosniff`; anything else, CMS
documents in particular, is a 404 here (documents have their own download view). In
production SERVE_MEDIA is off and media come from a separate origin (DJANGO_MEDIA_URL).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.views.static import serve

IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "gif", "webp"})
IMAGE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


def serve_media(request, path: str):
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if extension not in IMAGE_EXTENSIONS or path.startswith("documents/"):
        raise Http404("not an image")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Content-Type"] = IMAGE_TYPES[extension]
    response["X-Content-Type-Options"] = "nosniff"
    return response
