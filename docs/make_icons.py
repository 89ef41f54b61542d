"""Draw KAM's app icons: `python docs/make_icons.py` writes static/favicon.svg and the
PNGs of the web app manifest (static/icons/icon-192.png, icon-512.png) with Pillow.

The mark: a white K on the top bar's navy, over the menu's amber underline. The PNGs are
full-bleed squares with the mark inside the central circle of radius 0.4 that every mask
keeps, so a phone may cut them to a circle or a squircle ("purpose": "maskable").
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "static"
NAVY, WHITE, AMBER = "#12233f", "#ffffff", "#f0b429"
# On a 512 grid: the K (one outline) and the underline bar.
K = [(137, 113), (198, 113), (198, 215), (292, 113), (368, 113), (266, 227),
     (375, 358), (297, 358), (198, 239), (198, 358), (137, 358)]  # fmt: skip
BAR = (137, 378, 375, 398)

SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
<rect width="512" height="512" rx="96" fill="{NAVY}"/>
<path d="M{" L".join(f"{x} {y}" for x, y in K)} Z" fill="{WHITE}"/>
<rect x="{BAR[0]}" y="{BAR[1]}" width="{BAR[2] - BAR[0]}" height="{BAR[3] - BAR[1]}" rx="10" \
fill="{AMBER}"/>
</svg>
"""


def png(size: int) -> Image.Image:
    scale = 4  # drawn large and scaled down: smooth edges without an anti-aliasing pass
    big = size * scale
    image = Image.new("RGB", (big, big), NAVY)
    draw = ImageDraw.Draw(image)
    f = big / 512
    draw.polygon([(x * f, y * f) for x, y in K], fill=WHITE)
    draw.rounded_rectangle([c * f for c in BAR], radius=10 * f, fill=AMBER)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    (STATIC / "favicon.svg").write_text(SVG, encoding="utf-8")
    (STATIC / "icons").mkdir(exist_ok=True)
    for size in (192, 512):
        png(size).save(STATIC / "icons" / f"icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
