"""The replica's theme files: the stylesheets, fonts, images and scripts its pages name, as a WordPress
site with the Newspaper theme serves them (each with ETag and Last-Modified, so a second crawl revisits).

The bytes are made here, deterministically: images are small PNGs of one colour per post (zlib and struct
from the standard library; the real site's uploads are JPEGs, which the standard library cannot write),
fonts are stand-ins with a WOFF2 signature, scripts are short and set a marker a browser test can read.
"""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime

from replica.corpus import Post

THEME = "/wp-content/themes/Newspaper"
STYLE = f"{THEME}/style.css"
FONTS_CSS = f"{THEME}/fonts.css"
FONT = f"{THEME}/fonts/roboto-regular.woff2"
BACKGROUND = f"{THEME}/images/bg-pattern.png"
THEME_SCRIPT = f"{THEME}/js/tagdiv_theme.min.js"
JQUERY = "/wp-includes/js/jquery/jquery.min.js"
FAVICON = "/wp-content/uploads/2024/01/cropped-favicon-32x32.png"
BANNER = "/wp-content/uploads/2024/01/banner-728x90.png"
SIZES = (300, 768, 1024)  # the widths WordPress makes of an upload (medium, medium_large, large)
RELEASED = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)  # when the theme's files last changed

STYLE_CSS = """@import url("fonts.css");
/* Newspaper theme, trimmed */
body { font-family: Roboto, sans-serif; background: #fff url("images/bg-pattern.png") repeat; }
.td-header-wrap { border-bottom: 3px solid #4db2ec; }
.td-post-featured-image img { max-width: 100%; height: auto; }
.td-post-content p { font-size: 15px; line-height: 26px; }
"""
FONTS_CSS_TEXT = """@font-face {
  font-family: Roboto; font-style: normal; font-weight: 400;
  src: url("fonts/roboto-regular.woff2") format("woff2");
}
"""
JQUERY_JS = "/*! jQuery v3.7.1 (replica stand-in) */ window.jQuery = window.$ = function () { return {}; };\n"
THEME_JS = "/* tagDiv theme (replica stand-in) */ document.documentElement.dataset.theme = 'loaded';\n"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A PNG of one colour (8-bit RGB, no filter), valid for any image decoder."""
    row = b"\x00" + bytes(rgb) * width
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height, 9))
            + chunk(b"IEND", b""))


def woff2_stand_in() -> bytes:
    return b"wOF2" + bytes(60)


def featured_image(post: Post, width: int) -> str:
    """The path of a post's featured image at one of WordPress's sizes (16:9)."""
    return f"/wp-content/uploads/{post.published:%Y/%m}/photo-{post.post_id}-{width}x{width * 9 // 16}.png"


def featured_image_html(post: Post) -> str:
    """The featured image as WordPress writes it: the large size as ``src``, every size in ``srcset``."""
    srcset = ", ".join(f"{featured_image(post, w)} {w}w" for w in SIZES)
    return (f'<img width="1024" height="576" src="{featured_image(post, SIZES[-1])}" class="entry-thumb" '
            f'srcset="{srcset}" sizes="(max-width: 1024px) 100vw, 1024px" alt="">')


def head_links(base: str) -> str:
    """The theme's stylesheet and the site icon, as wp_head prints them."""
    return (f"<link rel='stylesheet' id='td-theme-css' href='{base}{STYLE}?ver=12.6.5' type='text/css' media='all'>\n"
            f'<link rel="icon" href="{base}{FAVICON}" sizes="32x32">\n')


def footer_scripts() -> str:
    return (f'<script src="{JQUERY}?ver=3.7.1"></script>'
            f'<script src="{THEME_SCRIPT}?ver=12.6.5"></script>')


def files(posts: list[Post]) -> dict[str, tuple[str, bytes, datetime]]:
    """Path -> (content type, body, last modified) of every theme file and upload."""
    out: dict[str, tuple[str, bytes, datetime]] = {
        STYLE: ("text/css; charset=UTF-8", STYLE_CSS.encode(), RELEASED),
        FONTS_CSS: ("text/css; charset=UTF-8", FONTS_CSS_TEXT.encode(), RELEASED),
        FONT: ("font/woff2", woff2_stand_in(), RELEASED),
        BACKGROUND: ("image/png", png(8, 8, (244, 244, 244)), RELEASED),
        JQUERY: ("application/javascript; charset=UTF-8", JQUERY_JS.encode(), RELEASED),
        THEME_SCRIPT: ("application/javascript; charset=UTF-8", THEME_JS.encode(), RELEASED),
        FAVICON: ("image/png", png(32, 32, (77, 178, 236)), RELEASED),
        BANNER: ("image/png", png(72, 9, (200, 200, 200)), RELEASED),
    }
    for post in posts:
        colour = (post.post_id >> 16 & 255, post.post_id >> 8 & 255, post.post_id & 255)  # one per post
        for width in SIZES:  # small stand-ins: the bytes of a photo are not what the replica tests
            out[featured_image(post, width)] = ("image/png", png(width // 32, width * 9 // 16 // 32, colour),
                                                post.published)
    return out
