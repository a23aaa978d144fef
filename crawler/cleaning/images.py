"""The images that ran with an article: URL, alt text, caption and credit, the lead image first.

Where they are. The body's paragraphs are found again in the page's tree; the images inside the smallest
element that holds them, and those before it within the same ``<article>`` or under the headline (the lead
photo sits between the headline and the text on most news pages), are the article's. Images after the body
are teasers and recommendations; images inside boxes whose class or id names page chrome, author avatars,
logos and icons, files named as placeholders or logos, teaser links (a picture with a headline, linking to
another page) and images declared smaller than ``MIN_SIDE`` pixels are left out.

Which URL. A picture comes at several sizes (``srcset``, ``<picture>`` sources, lazy-loading attributes);
the largest candidate is kept, as the page-resource fetcher keeps it, so an image can name the WARC record
of its capture.

The lead image. The page's declared one (``og:image``, ``twitter:image``, the article object's ``image``)
when a picture of the story shows it; else the story's first picture when it stands at the top (before the
body's second paragraph: a declared image that is not shown is mostly a crop made for social media); else
the declared one, first, with the caption of the picture that shows it elsewhere on the page. "The same
image" is ``image_key``'s rule (see there): the declared image is mostly another size of the shown one.

Caption and credit. ``<figcaption>``, or an element named as a caption (``caption``, ``legend``, ``info``
...) in the image's own container, or right after it (or a short sentence in bold or italics right after
it) is the caption. The parts of it named as credit (``credit``, ``copyright``, ``source``, ``photographer``
...) or written as one ("Photo: ...", "Foto: ...", "© ...") are the credit, and the caption is what is left.
The cleaners drop body paragraphs that are a caption or a credit (``drop_caption_lines``): they belong to
the image, not the text.

Measured with ``./run bench extraction`` on metadata-dev's 119 pages with images (docs/benchmarks.md).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache, partial
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from crawler.cleaning.article import Image
from crawler.cleaning.chrome import named_as_chrome
from crawler.cleaning.metadata import main_article_object
from crawler.cleaning.page import HtmlElement, Page
from crawler.cleaning.text import normalize_paragraph
from crawler.fetching.page_resources import resource_url, srcset_urls

CREDIT_CHARS = 130  # a credit written after a caption is at most this long (CREDIT_TEXT allows 120)
MIN_SIDE = 100  # an image declared narrower or lower than this is an icon, a button or a tracking pixel
TEASER_TEXT = 20  # a link around a picture with more text than this is a teaser of another page
MAX_IMAGES = 60  # a gallery page lists at most this many
KEY_CHARS = 60  # a body paragraph is found in the tree by its first characters
NOT_IMAGES = (".svg", ".gif")  # drawings and spacers: logos, icons, one-pixel counters
# file names of pictures that are page furniture, not photographs of the story
FURNITURE_FILE = re.compile(r"(?:^|[-_.\d])(?:placeholder|spacer|blank|transparent|loading|lazy|logos?|icons?|"
                            r"avatars?|sprites?|pixel)(?=[-_.\d]|$)", re.IGNORECASE)
LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-url", "data-lazy", "src")
LAZY_SRCSETS = ("srcset", "data-srcset", "data-lazy-srcset")
# class or id tokens of images that are no part of the story
NOT_STORY = re.compile(r"avatar|gravatar|logo|icon|emoji|sprite|badge|pixel|tracking|author|byline|profile|"
                       r"thumbnail-author|spinner|placeholder-icon", re.IGNORECASE)
CAPTION_NAMES = re.compile(r"caption|legend|unterschrift|bildtext|info", re.IGNORECASE)
FIGURE_DEPTH = 5  # how far up from an image its figure may be
SHORT_CAPTION = 160  # an emphasised paragraph under a picture this short is its caption
CREDIT_NAMES = re.compile(r"credit|copyright|source|photographer|rights|attribution|author|byline|quelle|"
                          r"fotograf|autor", re.IGNORECASE)
# a credit written into the caption's text: "Photo: AP", "(Foto: dpa)", "© Reuters", "Bild: Keystone"
CREDIT_TEXT = re.compile(
    r"\s*[(\[]?(?:(?:photos?|fotos?|fotograf[ií]a|bild(?:er)?|bildquelle|images?|imagen|credits?|crédits?|"
    r"crédito|crédit photo|copyright|quelle|source|grafik|illustration|ảnh|isithombe|zdj[eę]cie|fot\.|kuva)\s*:|"
    r"©|\(c\)\s)\s*(?P<credit>[^()\[\]]{1,120}?)[)\]]?\s*$", re.IGNORECASE)
CREDIT_LABEL = re.compile(r"^(?:photos?|fotos?|bild|images?|credit|copyright|quelle|source)\s*:\s*|^©\s*",
                          re.IGNORECASE)  # what a credit element's text may start with
CLOUDFLARE_RESIZING = re.compile(r"/cdn-cgi/image/[^/]*/")  # a resizing proxy's prefix before the image's own path
SIZE_TOKEN = re.compile(r"^(?:\d{1,4}|\d{2,5}x\d{0,5}|[swhqv]\d{1,4}[a-z]?|\d{2,4}(?:w|h|px)|(?:w|h)_\d+|"
                        r"\d{1,2}to[\dx]{1,2}|\d@\dx|@\dx|"
                        r"scaled|large|medium|small|thumb|thumbnail|original|master|full|big|hires|retina|"
                        r"desktop|mobile|tablet|scale|xl|xxl|lg|md|sm|xs|"
                        r"alternates|width|height|sixteen|nine|four|three|square|landscape|portrait|crop|"
                        r"resize|format|webp|jpe?g|png|avif|images?|img|uploads?|media|assets|public|"
                        r"static|content|wp|picture|pictures|photos?|cms|articlerelease)$")


@lru_cache(maxsize=4096)
def image_key(url: str) -> str:
    """What two addresses of one picture share: the path without host, query, extension and size tokens.

    The path is cut into tokens at ``/``, ``_``, ``-``, ``.``, ``,`` and spaces; tokens that are sizes or
    size words (``1200``, ``800x600``, ``w800``, ``s508``, ``scaled``, ``large``, ``master``, the extension
    and folder words such as ``uploads``) are dropped, the rest lower-cased and joined. So
    ``.../2026/06/hero-1024x683.jpg`` and ``.../2026/06/hero.jpg?w=2048``, or ``.../ALTERNATES/s508/0_x.jpg``
    and ``.../ALTERNATES/s1200/0_x.jpg``, are one image; ``a.jpg`` and ``b.jpg`` are two. A file named by a
    number of one or two digits (a gallery's ``01.jpg``, ``02.jpg``) keeps it: it is the picture's name there,
    where ``800.jpg`` under ``/1200/`` is a size.
    """
    try:
        path = unquote(urlsplit(url).path).lower()
    except ValueError:
        return url
    path = CLOUDFLARE_RESIZING.sub("/", path)
    folder, _, name = path.rpartition("/")
    stem = name.split(".", 1)[0]
    tokens = [t for t in re.split(r"[/_\-., =]+", folder) if t and not SIZE_TOKEN.match(t)]
    if stem.isdigit() and len(stem) <= 2:  # a numbered picture of a gallery (01.jpg): its number is its name
        return "/".join([*tokens, stem])
    tokens += [t for t in re.split(r"[_\-., =]+", name) if t and not SIZE_TOKEN.match(t)]
    return "/".join(tokens)


def same_image(a: str, b: str) -> bool:
    """Whether two addresses are one picture by ``image_key`` (an empty key matches nothing)."""
    key = image_key(a)
    return bool(key) and key == image_key(b)


def article_images(page: Page, paragraphs: list[str], declared: str | None = None) -> list[Image]:
    """The article's images in page order, the lead image first (``declared``: the lead image a site
    profile knows; else the page's metadata is asked)."""
    tree = page.tree
    found: list[Image] = []
    first_at_top = False  # the first image stands above the text or after its first paragraph
    scope = _body_scope(tree, paragraphs, page.paragraph_texts) if tree is not None else None
    if scope is not None:
        body, region, top = scope
        for img, at_top in _story_images(body, region, top):
            image = _image_of(img, page.url, region)
            if image is not None and not any(same_image(image.url, seen.url) for seen in found):
                found.append(image)
                first_at_top = first_at_top or (at_top and len(found) == 1)
            if len(found) >= MAX_IMAGES:
                break
    return _with_lead(found, declared or declared_lead(page), page, first_at_top)


def declared_lead(page: Page) -> str | None:
    """The lead image the page declares: og:image, twitter:image, or the article object's ``image``."""
    declared = page.meta("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
    if not declared:
        declared = _json_ld_image((main_article_object(page) or {}).get("image"))
    return resource_url(page.url, declared)


def _json_ld_image(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        return _json_ld_image(value[0])
    if isinstance(value, dict):
        return _json_ld_image(value.get("url") or value.get("contentUrl") or value.get("@id"))
    return None


def _with_lead(found: list[Image], declared: str | None, page: Page, first_at_top: bool) -> list[Image]:
    """The images with the lead first: the declared one where it is shown, else the declared one added, else
    the first image before the text."""
    if declared and declared.lower().split("?", 1)[0].endswith(NOT_IMAGES):
        declared = None
    if declared:
        for index, image in enumerate(found):
            if same_image(image.url, declared):
                image.lead = True
                return [image, *found[:index], *found[index + 1:]]
    if found and first_at_top:  # a picture under the headline: the declared one is mostly a social crop
        found[0].lead = True
        return found
    if declared:
        return [_declared_image(page, declared), *found]
    return found


def _declared_image(page: Page, declared: str) -> Image:
    """The declared lead image, with the caption of the picture that shows it wherever it is on the page
    (above the article's own region, in a header of its own)."""
    key = image_key(declared)
    alt = page.meta("og:image:alt", "twitter:image:alt") or ""
    tree = page.tree
    if tree is None or not key:
        return Image(url=declared, alt=alt, lead=True)
    for img in tree.iter("img"):
        offered = [*srcset_urls(img.get("srcset") or "", "all"), *(img.get(name) or "" for name in LAZY_SOURCES)]
        if any(image_key(u) == key for u in map(partial(resource_url, page.url), offered) if u):
            figure, element = _figure_of(img, tree)
            caption, credit = _caption_and_credit(figure, element) if figure is not None else ("", "")
            return Image(url=declared, alt=normalize_paragraph(img.get("alt") or "") or alt, caption=caption,
                         credit=credit, lead=True)
    return Image(url=declared, alt=alt, lead=True)


def _paragraph_key(text: str) -> str:
    """The first characters of a text with its whitespace collapsed, case-folded (cheaper than a full
    normalisation, which this runs on every paragraph-like element of the page)."""
    return " ".join(text[:KEY_CHARS * 3].split())[:KEY_CHARS].casefold()


def _body_scope(tree: HtmlElement, paragraphs: list[str],
                texts: Mapping[HtmlElement, str]) -> tuple[HtmlElement, HtmlElement, HtmlElement] | None:
    """The smallest element holding the body's paragraphs that the tree shows, the region whose images
    before it still belong to the article (its ``<article>``, else what it shares with the headline), and
    the body's second paragraph (an image before it stands at the top of the story). ``texts``: the text of
    each of the tree's ``<p>``, in document order."""
    wanted = {_paragraph_key(p) for p in paragraphs if len(p) >= 30}
    if not wanted:
        return None
    matched = [el for el, text in texts.items() if _paragraph_key(text) in wanted]
    if len(matched) < 2:  # text in list items, quotes, bare <div>s and subheadings
        matched = [el for el in tree.iter("p", "li", "blockquote", "div", "h2", "h3")
                   if (el.tag != "div" or not len(el)) and _paragraph_key(el.text_content()) in wanted]
    if not matched:
        return None
    top = matched[1] if len(matched) > 1 else matched[0]  # an image before the second paragraph leads
    body = matched[0] if len(matched) > 1 else matched[0].getparent()
    for element in matched[1:]:
        body = _common_ancestor(body, element)
    if body is None:
        return None
    region = next((a for a in body.iterancestors("article")), None)
    if region is None:
        heading = next(iter(tree.iter("h1")), None)
        common = _common_ancestor(body, heading) if heading is not None else None
        region = common if common is not None and common.tag not in ("body", "html") else body
    return body, region, top


def _common_ancestor(a: HtmlElement | None, b: HtmlElement | None) -> HtmlElement | None:
    if a is None or b is None:
        return None
    ancestors = {id(x): x for x in (a, *a.iterancestors())}
    return next((x for x in (b, *b.iterancestors()) if id(x) in ancestors), None)


def _story_images(body: HtmlElement, region: HtmlElement, top: HtmlElement) -> Iterable[tuple[HtmlElement, bool]]:
    """The ``<img>`` elements of the body, and those before it in the region (not after: teasers), each with
    whether it stands at the top of the story (before the body's second paragraph)."""
    position = {element: index for index, element in enumerate(region.iter())}  # document order
    end = max((position.get(e, 0) for e in body.iter()), default=0)
    for img in region.iter("img"):
        if position[img] <= end:
            yield img, position[img] < position.get(top, 0)


def _image_of(img: HtmlElement, base: str, region: HtmlElement) -> Image | None:
    """The image an ``<img>`` shows, or None when it is no part of the story."""
    for ancestor in (img, *img.iterancestors()):
        if ancestor is region:
            break
        if ancestor.tag in ("nav", "aside", "footer", "form", "button", "noscript") or \
                (ancestor is not img and named_as_chrome(ancestor)):  # an image's own "img-share" is a button
            return None
        names = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
        if NOT_STORY.search(names):
            return None
        if ancestor.tag == "a" and _links_elsewhere(ancestor.get("href"), base) and \
                len(normalize_paragraph(ancestor.text_content())) > TEASER_TEXT:
            return None  # a teaser: a picture with a headline linking to another page
    if any(_declared_side(img, side) < MIN_SIDE for side in ("width", "height")):
        return None
    url = _largest(img, base)
    if url is None:
        return None
    figure, caption_element = _figure_of(img, region)
    caption, credit = _caption_and_credit(figure, caption_element) if figure is not None else ("", "")
    return Image(url=url, alt=normalize_paragraph(img.get("alt") or ""), caption=caption, credit=credit)


def _links_elsewhere(href: str | None, base: str) -> bool:
    """A link to another page (a teaser); a link to the picture itself or to nothing is not."""
    if not href or href.startswith("#") or href.lower().startswith("javascript:"):
        return False
    try:
        target = urlsplit(urljoin(base, href))
    except ValueError:
        return False
    path = target.path.lower()
    if path.endswith((".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif")):
        return False
    return (target.netloc, target.path.rstrip("/")) != (urlsplit(base).netloc, urlsplit(base).path.rstrip("/"))


def _declared_side(img: HtmlElement, side: str) -> int:
    value = (img.get(side) or "").strip().removesuffix("px")
    return int(value) if value.isdigit() else MIN_SIDE


def _largest(img: HtmlElement, base: str) -> str | None:
    """The largest version the element and its ``<picture>`` offer (srcset width first), absolute."""
    candidates: list[str] = []
    # an HTML4 parser does not know <source> is empty and may nest the <img> in it: look two levels up
    picture = next((a for a in itertools.islice(img.iterancestors(), 2) if a.tag == "picture"), None)
    sources = [*(picture.iter("source") if picture is not None else ()), img]
    for source in sources:
        for name in LAZY_SRCSETS:
            candidates += srcset_urls(source.get(name) or "")
        if candidates:
            break
    candidates += [img.get(name) or "" for name in LAZY_SOURCES]
    for raw in candidates:
        url = resource_url(base, raw)
        if url is None:
            continue
        path = urlsplit(url).path
        if not path.lower().endswith(NOT_IMAGES):
            return None if FURNITURE_FILE.search(path.rsplit("/", 1)[-1]) else url
    return None


def _figure_of(img: HtmlElement, region: HtmlElement) -> tuple[HtmlElement | None, HtmlElement | None]:
    """The figure an image sits in and its caption element: the nearest ``<figure>``, or the nearest
    container of this image alone that holds an element named as a caption; failing both, a caption
    standing right after the image's own container (named as one, or a short emphasised sentence)."""
    alone = img  # the outermost container holding this image and no other
    for depth, ancestor in enumerate(img.iterancestors()):
        if ancestor is region or depth > FIGURE_DEPTH or _image_count(ancestor) > 1:
            break
        alone = ancestor
        caption = _caption_element(ancestor, img)
        if caption is not None:
            return ancestor, caption
        if ancestor.tag == "figure":
            break  # a figure without a caption of its own: perhaps one stands right after it
    following = alone.getnext()
    while following is not None and not isinstance(following.tag, str):
        following = following.getnext()
    if following is not None and (_names_caption(following) or _emphasised_caption(following)):
        return alone, following
    return None, None


def _image_count(element: HtmlElement) -> int:
    """Images under an element, the copies in ``<noscript>`` for browsers without script not counted."""
    return sum(1 for img in element.iter("img") if not any(a.tag == "noscript" for a in img.iterancestors()))


def _names_caption(element: HtmlElement) -> bool:
    return bool(CAPTION_NAMES.search(f"{element.get('class') or ''} {element.get('id') or ''}"))


def _emphasised_caption(element: HtmlElement) -> bool:
    """A short paragraph in bold or italics throughout that ends as a sentence: how many sites set a caption
    under a picture without marking it as one (a subheading seldom ends with a full stop)."""
    if element.tag != "p" or (element.text or "").strip():
        return False
    text = normalize_paragraph(element.text_content())
    emphasised = "".join(e.text_content() for e in element if e.tag in ("strong", "b", "em", "i"))
    return 0 < len(text) <= SHORT_CAPTION and normalize_paragraph(emphasised) == text and text.endswith(".")


def _caption_element(figure: HtmlElement, img: HtmlElement) -> HtmlElement | None:
    caption = next(iter(figure.iter("figcaption")), None)
    if caption is not None:
        return caption
    holders = set(img.iterancestors())  # the image's own containers are not its caption
    for element in figure.iterdescendants():
        if not isinstance(element.tag, str) or element is img or element in holders:
            continue
        if _names_caption(element):
            return element
    return None


def _caption_and_credit(figure: HtmlElement, element: HtmlElement | None) -> tuple[str, str]:
    """The caption's text without its credit, and the credit (named by class, or written as one)."""
    holders = [figure, element] if element is not None and element not in set(figure.iterdescendants()) else [figure]
    credits = [normalize_paragraph(e.text_content()) for holder in holders for e in holder.iterdescendants()
               if isinstance(e.tag, str) and e is not element and
               (e.tag in ("small", "cite") or CREDIT_NAMES.search(f"{e.get('class') or ''} {e.get('id') or ''}"))
               and e.text_content().strip()]
    credits = [c for c in credits if not any(c != o and c in o for o in credits)]  # outermost credit elements
    caption = normalize_paragraph(element.text_content()) if element is not None else ""
    for credit in credits:
        caption = normalize_paragraph(caption.replace(credit, " "))
    written = CREDIT_TEXT.search(caption)
    if written and written.start() > 0:
        credits.append(normalize_paragraph(written.group("credit")))
        caption = caption[:written.start()].rstrip(" |/–-")
    elif written and not credits and written.start() == 0:
        credits.append(normalize_paragraph(written.group("credit")))
        caption = ""
    credit = "; ".join(dict.fromkeys(c.strip(" ()[]|") for c in credits if c.strip(" ()[]|")))
    return caption.strip(), CREDIT_LABEL.sub("", credit)


def drop_caption_lines(paragraphs: list[str], images: list[Image]) -> list[str]:
    """The paragraphs without those that are an image's caption, credit, or both: they went to the image."""
    lines = set()
    for image in images:
        for text in (image.caption, image.credit, f"{image.caption} {image.credit}".strip()):
            if text:
                lines.add(normalize_paragraph(text).casefold())
    if not lines:
        return paragraphs
    kept = []
    longest = max(len(line) for line in lines) + CREDIT_CHARS
    for paragraph in paragraphs:
        if len(paragraph) > longest:  # longer than any caption with a credit: running text
            kept.append(paragraph)
            continue
        key = normalize_paragraph(paragraph).casefold()
        # every credit CREDIT_TEXT reads has a colon, a © or a "(c) ": without them its search cannot match, and
        # it cost a twentieth of the cleaner when run on every short paragraph
        stripped = (CREDIT_TEXT.sub("", key) if ":" in key or "©" in key or "(c)" in key else key).strip(" |/–-")
        if key in lines or (stripped and stripped in lines):
            continue
        kept.append(paragraph)
    return kept
