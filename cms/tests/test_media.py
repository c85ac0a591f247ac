"""Safe media: CMS documents are downloads with a safe content type, only listed extensions
are accepted, images are checked by content, and /media/ serves images only."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.documents.forms import get_document_form
from wagtail.images.forms import get_image_form
from wagtail.images.models import Image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_document_is_a_download_with_a_safe_content_type(client):
    document = get_document_model().objects.create(title="通知附件", file=ContentFile(b"%PDF-1.4 fake", name="tz.pdf"))
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"


def test_a_document_with_an_unlisted_type_is_served_as_octet_stream(client):
    # (written directly, as an old upload could be: the form refuses the extension, see below)
    document = get_document_model().objects.create(title="网页", file=ContentFile(b"<script>alert(1)</script>",
                                                                                   name="evil.html"))
    response = client.get(document.url)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_html_and_svg_documents_are_refused_on_upload():
    form_class = get_document_form(get_document_model())
    for name in ("evil.html", "evil.svg", "evil.js"):
        form = form_class({"title": name}, {"file": SimpleUploadedFile(name, b"<script>alert(1)</script>")})
        assert not form.is_valid() and "file" in form.errors, name


def test_an_image_is_checked_by_content():
    form_class = get_image_form(Image)
    fake = form_class({"title": "假图片"}, {"file": SimpleUploadedFile("photo.png", b"<html><script>x</script>")})
    assert not fake.is_valid() and "file" in fake.errors
    svg = form_class({"title": "svg"}, {"file": SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'/>")})
    assert not svg.is_valid()
    real = form_class({"title": "真图片"}, {"file": SimpleUploadedFile("photo.png", png_bytes())})
    assert real.is_valid(), real.errors


def test_media_serves_images_only_never_documents(client, media_root):
    (media_root / "documents").mkdir()
    (media_root / "documents" / "evil.html").write_text("<script>alert(1)</script>")
    (media_root / "documents" / "note.pdf").write_bytes(b"%PDF")
    (media_root / "images").mkdir()
    (media_root / "images" / "a.png").write_bytes(png_bytes())
    (media_root / "images" / "b.html").write_text("<script>alert(1)</script>")
    assert client.get("/media/documents/evil.html").status_code == 404
    assert client.get("/media/documents/note.pdf").status_code == 404
    assert client.get("/media/images/b.html").status_code == 404
    response = client.get("/media/images/a.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
