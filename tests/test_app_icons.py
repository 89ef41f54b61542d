"""The icon and the web app manifest: a phone can add KAM to its home screen, and no
browser's request for /favicon.ico ends in a 404."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from PIL import Image

STATIC = settings.BASE_DIR / "static"


def test_favicon_ico_answers_the_icon_to_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "PNG"
    assert image.size == (192, 192)


def test_manifest_makes_kam_installable():
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"] and manifest["short_name"] == "KAM"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    pngs = {}
    for icon in manifest["icons"]:
        path = STATIC / icon["src"]  # relative to the manifest, which sits in static/
        assert path.exists(), icon["src"]
        if icon["type"] == "image/png":
            with Image.open(path) as image:
                assert f"{image.size[0]}x{image.size[1]}" == icon["sizes"], icon["src"]
            pngs.setdefault(icon["sizes"], set()).add(icon.get("purpose", "any"))
    # What Chrome asks before it offers to install: 192 and 512 px, and a maskable one.
    assert {"192x192", "512x512"} <= set(pngs)
    assert "maskable" in pngs["512x512"]


@pytest.mark.django_db
def test_pages_link_the_icon_and_the_manifest(client):
    html = client.get("/login/").content.decode()
    assert 'rel="manifest" href="/static/manifest.webmanifest"' in html
    assert 'rel="icon" href="/static/favicon.svg"' in html
    assert '<meta name="theme-color"' in html
