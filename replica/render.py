"""HTML, RSS and sitemap rendering of the replica, shaped after the real site's theme (Newspaper-style chrome)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape

from replica import theme
from replica.corpus import CATEGORIES, NOW, Post

SITE_NAME = "rki.news"
TAGLINE = "Rahbar Kisan International news in English and Urdu"


def _e(text: str) -> str:
    return escape(text, quote=True)


def doc_date(moment: datetime) -> str:
    """PHP date('D, M d Y h:i:s a'), the format of the rki "Document Date" line."""
    return moment.strftime("%a, %b %d %Y %I:%M:%S ") + moment.strftime("%p").lower()


def wp_date(moment: datetime) -> str:
    """WordPress's default date_format 'F j, Y'."""
    return f"{moment:%B} {moment.day}, {moment.year}"


def rfc822_gmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


COOKIE_NOTICE = (
    '<!-- Cookie Notice plugin v2.x by Hu-manity.co https://hu-manity.co/ -->\n'
    '<div id="cookie-notice" role="dialog" class="cookie-notice-hidden cookie-revoke-hidden cn-position-bottom" '
    'aria-label="Cookie Notice"><div class="cookie-notice-container"><span id="cn-notice-text" '
    'class="cn-text-container">We use cookies to ensure that we give you the best experience on our website. '
    'If you continue to use this site we will assume that you are happy with it.</span>'
    '<span id="cn-notice-buttons" class="cn-buttons-container"><a href="#" id="cn-accept-cookie" '
    'data-cookie-set="accept" class="cn-set-cookie cn-button" aria-label="Ok">Ok</a></span>'
    '<span id="cn-close-notice" data-cookie-set="accept" class="cn-close-icon" title="No"></span></div></div>'
)


def _menu() -> str:
    items = "".join(f'<li><a href="/category/{c.slug}/">{_e(c.name)}</a></li>' for c in CATEGORIES.values())
    return (
        '<div class="td-header-top-menu"><span class="td-date">'
        f'{NOW:%A}, {wp_date(NOW)}</span> <a href="/wp-login.php">Sign in / Join</a></div>\n'
        f'<header class="td-header-wrap"><a class="td-logo" href="/">{SITE_NAME}</a>\n'
        f'<nav class="td-main-menu" role="navigation"><ul class="menu"><li><a href="/">Home</a></li>{items}'
        '<li><a href="/about-us/">About</a></li></ul></nav>\n'
        '<form role="search" action="/"><input name="s" placeholder="Search"></form></header>\n'
        f'<div class="td-header-rec-wrap"><a href="/ads/"><img src="{theme.BANNER}" '
        'alt="Advertisement"></a></div>\n'
    )


def _sidebar(popular: list[Post]) -> str:
    pop = "".join(f'<li><a href="{p.path}">{_e(p.title)}</a></li>' for p in popular)
    cats = "".join(f'<li><a href="/category/{c.slug}/">{_e(c.name)}</a> (12)</li>' for c in CATEGORIES.values())
    return (
        '<aside class="td-ss-main-sidebar">'
        '<div class="td_block_wrap td_block_social_counter">Facebook 12,345 Fans · Twitter 2,100 Followers</div>'
        f'<div class="td_block_wrap td_block_7"><h4 class="block-title"><span>Most Popular</span></h4><ul>{pop}</ul></div>'
        '<div class="td_block_wrap tdn_block_newsletter_subscribe"><h4>Subscribe to our newsletter</h4>'
        '<p>Get the day’s farm and world news in your inbox.</p>'
        '<form><input type="email" placeholder="Your email"><button>Subscribe</button></form></div>'
        f'<div class="widget widget_categories"><h4>Categories</h4><ul>{cats}</ul></div></aside>\n'
    )


FOOTER = (
    '<footer class="td-footer-wrap"><div class="td-footer-info">About us: rki.news brings agriculture, Pakistan '
    'and world news. Contact us: desk@rki.news</div><div class="td-sub-footer-container">© Copyright 2026 '
    'rki.news. <a href="/privacy-policy/">Privacy Policy</a> <a href="/contact/">Contact</a> '
    '<a href="/about-us/">About us</a></div></footer>\n'
    '<div id="tdw-css-writer" style="display:none">hidden writer</div><div class="td-scroll-up" aria-hidden="true">'
    'Back to top</div>\n' + theme.footer_scripts() + '<script>var tdBlocksArray = [];</script>\n'
)


def _head(title: str, base: str, canonical: str | None, extra: str = "", lang: str = "en-US",
          direction: str = "ltr") -> str:
    canon = f'<link rel="canonical" href="{_e(canonical)}">\n' if canonical else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}">\n<head>\n<meta charset="UTF-8">\n'
        f'<title>{_e(title)}</title>\n<meta name="robots" content="index, follow, max-image-preview:large">\n'
        f'{canon}<link rel="alternate" type="application/rss+xml" title="rki.news &raquo; Feed" href="{base}/feed/">\n'
        f'<link rel="alternate" type="application/rss+xml" title="rki.news &raquo; Comments Feed" '
        f'href="{base}/comments/feed/">\n<link rel="https://api.w.org/" href="{base}/wp-json/">\n'
        f'<link rel="EditURI" type="application/rsd+xml" href="{base}/xmlrpc.php?rsd">\n'
        '<meta name="generator" content="WordPress 6.5">\n'
        + theme.head_links(base) +
        f'{extra}<script>window._wpemojiSettings={{"baseUrl":"https://s.w.org/images/core/emoji/"}};</script>\n'
        '<script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXX"></script>\n</head>\n'
    )


def _body_paragraph(post: Post, index: int, text: str) -> str:
    if index in post.subheads:
        return f"<h2>{_e(text)}</h2>"
    html = _e(text)
    if post.post_id == 12345 and index == 1:
        # the seed shows this paragraph broken over two lines; the cleaner must collapse the whitespace
        html = html.replace(" of continuous", "\n   of continuous")
    elif post.lang == "en" and index == 0 and " – " in text:
        city, rest = html.split(" – ", 1)
        html = f"<strong>{city}</strong> – {rest}"
    elif index == 2 and post.lang == "en":
        html = html.replace(". ", ".&nbsp; ", 1)
    return f"<p>{html}</p>"


def article_page(post: Post, base: str, neighbours: list[Post]) -> str:
    """A single post with every piece of chrome the real site puts around one."""
    url = base + post.path
    cats = post.categories
    lang_attr, direction = ("ur", "rtl") if post.lang == "ur" else ("en-US", "ltr")
    ld = {"@context": "https://schema.org", "@graph": [{
        "@type": ["Article", "NewsArticle"], "headline": post.title,
        "datePublished": post.published.isoformat(), "dateModified": post.modified.isoformat(),
        "author": {"@type": "Person", "name": post.author},
        "articleSection": [c.name for c in cats], "inLanguage": lang_attr}]}
    extra = (
        f'<link rel="amphtml" href="{_e(url)}amp/">\n'
        f'<link rel="shortlink" href="{base}/?p={post.post_id}">\n'
        f'<link rel="alternate" type="application/json" href="{base}/wp-json/wp/v2/posts/{post.post_id}">\n'
        f'<meta property="og:type" content="article">\n<meta property="og:title" content="{_e(post.title)}">\n'
        f'<meta property="og:url" content="{_e(url)}">\n<meta property="og:site_name" content="rki.news">\n'
        f'<meta property="article:published_time" content="{post.published.isoformat()}">\n'
        f'<meta property="article:modified_time" content="{post.modified.isoformat()}">\n'
        f'<meta property="article:section" content="{_e(cats[1].name if len(cats) > 1 else cats[0].name)}">\n'
        f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>\n'
    )
    pills = "".join(f'<li><a class="td-post-category" href="/category/{c.slug}/">{_e(c.name)}</a></li>' for c in cats)
    g1 = ",".join(f'<a href="/category/{s}/">{_e(CATEGORIES[s].name)}</a>' for s in post.group1)
    g2 = ",".join(f'<a href="/category/{s}/">{_e(CATEGORIES[s].name)}</a>' for s in post.group2)
    category_line = f"Category: ,{g1}" + (f" - ,{g2}" if g2 else "")
    other = neighbours[0]
    body = [_body_paragraph(post, i, p) for i, p in enumerate(post.paragraphs)]
    body.insert(min(2, len(body)), '<div class="td-a-rec td-a-rec-id-content_inline"><span class="td-adspot-title">'
                '- Advertisement -</span><ins class="adsbygoogle"></ins></div>')
    if post.pull_quote:
        body.insert(min(4, len(body)), f'<blockquote class="td_quote"><p>{_e(post.pull_quote)}</p></blockquote>')
    if len(post.paragraphs) >= 4:
        body.insert(len(body) - 1, f'<p><strong>Also Read:</strong> <a href="{other.path}">{_e(other.title)}</a></p>')
    related = "".join(
        f'<div class="td_module_related_posts"><h3 class="entry-title td-module-title"><a href="{p.path}">'
        f'{_e(p.title)}</a></h3><div class="td-excerpt">{_e(p.paragraphs[0][:90])} […]</div></div>'
        for p in neighbours[:3]
    )
    tags = "".join(f'<li><a href="/tag/{t}/">{t.title()}</a></li>' for t in post.tags)
    return (
        _head(f"{post.title} - rki.news", base, url, extra, lang_attr, direction)
        + f'<body class="post-template-default single single-post postid-{post.post_id} single-format-standard">\n'
        + COOKIE_NOTICE + "\n" + _menu()
        + '<div class="td-crumb-container"><span><a href="/">Home</a></span> › <span>'
        f'<a href="/category/{cats[-1].slug}/">{_e(cats[-1].name)}</a></span> › {_e(post.title)}</div>\n'
        '<div class="td-ss-main-content">\n'
        f'<article id="post-{post.post_id}" class="post-{post.post_id} post type-post status-publish format-standard">\n'
        f'<div class="td-post-header"><ul class="td-category">{pills}</ul>\n'
        f'<h1 class="entry-title">{_e(post.title)}</h1>\n<div class="td-module-meta-info">'
        f'<div class="td-post-author-name"><div class="td-author-by">By</div> <a href="/author/{post.author_slug}/">'
        f'{_e(post.author)}</a></div> <span class="td-post-date"><time class="entry-date updated td-module-date" '
        f'datetime="{post.published.isoformat()}">{wp_date(post.published)}</time></span>'
        '<div class="td-post-comments"><a href="#respond">0</a></div>'
        f'<div class="td-post-views"><span class="td-nr-views-{post.post_id}">1,204</span></div></div></div>\n'
        '<div class="td-post-sharing td-post-sharing-top"><div class="td-default-sharing">'
        f'<a class="td-social-sharing-buttons td-social-facebook" href="https://www.facebook.com/sharer.php?u={_e(url)}">'
        '<div class="td-social-but-text">Share on Facebook</div></a>'
        '<a class="td-social-sharing-buttons td-social-twitter" href="https://twitter.com/intent/tweet">Tweet on Twitter</a>'
        '<a class="td-social-sharing-buttons td-social-whatsapp" href="https://api.whatsapp.com/send">WhatsApp</a>'
        '</div></div>\n'
        f'<div class="td-post-featured-image"><figure><a href="/?attachment_id={post.post_id + 1}">'
        + theme.featured_image_html(post) + '</a>'
        '<figcaption class="wp-caption-text">Photo: file image for illustration</figcaption></figure></div>\n'
        '<div class="td-post-content tagdiv-type">\n'
        f"<p>Published on {wp_date(post.published)}</p>\n"
        f"<p>Document Date: {doc_date(post.modified)}</p>\n"
        f"<p>{category_line}</p>\n"
        '<p>Show on website : <a href="#">Click Here</a></p>\n'
        "<p>rki.news</p>\n"
        + "\n".join(body)
        + '\n<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul><li>'
        '<a href="#">Email</a></li><li><a href="#">Print</a></li></ul></div>\n'
        f'<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline">Related</h3>'
        f'<a href="{other.path}">{_e(other.title)}</a></div>\n</div>\n'
        f'<footer><div class="td-post-source-tags"><ul class="td-tags"><li><span>TAGS</span></li>{tags}</ul></div>\n'
        '<div class="td-post-sharing td-post-sharing-bottom"><span class="td-post-share-title">SHARE</span>'
        '<a class="td-social-sharing-buttons td-social-facebook" href="#">Facebook</a></div>\n'
        '<div class="td-block-row td-post-next-prev"><div class="td-post-next-prev-content"><span>Previous article'
        f'</span><a href="{other.path}">{_e(other.title)}</a></div></div>\n'
        f'<div class="author-box-wrap"><a href="/author/{post.author_slug}/"><img class="avatar" alt=""></a>'
        f'<div class="desc"><div class="td-author-name vcard author"><span class="fn">{_e(post.author)}</span></div>'
        '<div class="td-author-description">Covers farming, trade and world news for rki.news.</div></div></div>\n'
        "</footer>\n</article>\n"
        '<div class="td_block_wrap td_block_related_posts"><h4 class="td-related-title"><a class="td-related-left '
        f'td-cur-simple-item">RELATED ARTICLES</a><a class="td-related-right">MORE FROM AUTHOR</a></h4>{related}</div>\n'
        '<div class="comments" id="comments"><div id="respond" class="comment-respond"><h3 id="reply-title" '
        'class="comment-reply-title">Leave a Reply <small><a id="cancel-comment-reply-link" href="#respond" '
        'style="display:none;">Cancel reply</a></small></h3><form action="/wp-comments-post.php" method="post" '
        'id="commentform" class="comment-form"><p class="comment-notes">Your email address will not be published. '
        'Required fields are marked *</p><textarea name="comment" placeholder="Please enter your comment!"></textarea>'
        '<input name="author" placeholder="Please enter your name here"><input name="email" placeholder="Email:*">'
        '<p class="comment-form-cookies-consent"><input type="checkbox"> <label>Save my name, email, and website in '
        'this browser for the next time I comment.</label></p><input type="submit" value="Post Comment"></form>'
        "</div></div>\n</div>\n"
        + _sidebar(neighbours[:3]) + FOOTER + "</body></html>\n"
    )


def listing_page(title: str, posts: list[Post], base: str, path_for_page: str, page: int, last: int,
                 featured: list[Post] | None = None, description: str = "") -> str:
    """Home or category archive page with WordPress pagination (rel=next/prev and page-nav anchors)."""
    def page_url(n: int) -> str:
        return path_for_page if n == 1 else f"{path_for_page}page/{n}/"

    rels = ""
    if page > 1:
        rels += f'<link rel="prev" href="{base}{page_url(page - 1)}">\n'
    if page < last:
        rels += f'<link rel="next" href="{base}{page_url(page + 1)}">\n'
    feat = ""
    if featured:
        feat = '<div class="td-big-grid-post-0">' + "".join(
            f'<h3 class="entry-title"><a href="/?p={p.post_id}">{_e(p.title)}</a></h3>' for p in featured) + "</div>\n"
    modules = "".join(
        f'<div class="td_module_10 td_module_wrap"><div class="td-module-thumb"><a href="{p.path}">'
        f'<img src="/wp-content/uploads/t.jpg" alt=""></a></div><h3 class="entry-title td-module-title">'
        f'<a href="{p.path}">{_e(p.title)}</a></h3><span class="td-post-date"><time datetime="'
        f'{p.published.isoformat()}">{wp_date(p.published)}</time></span><div class="td-excerpt">'
        f'{_e(p.paragraphs[0][:120])} […]</div></div>\n' for p in posts)
    nav = '<div class="page-nav td-pb-padding-side">'
    if page > 1:
        nav += f'<a href="{page_url(page - 1)}"><i class="td-icon-menu-left"></i></a>'
    nav += f'<span class="current">{page}</span>'
    if page < last:
        nav += f'<a href="{page_url(page + 1)}" class="page">{page + 1}</a>'
        nav += f'<a href="{page_url(last)}" class="last" title="{last}">{last}</a>'
        nav += f'<a href="{page_url(page + 1)}"><i class="td-icon-menu-right"></i></a>'
    nav += "</div>\n"
    desc = f'<div class="td-category-description"><p>{_e(description)}</p></div>' if description else ""
    return (
        _head(f"{title} - rki.news" + (f" - Page {page}" if page > 1 else ""), base,
              base + page_url(page), rels)
        + '<body class="home blog archive">\n' + COOKIE_NOTICE + "\n" + _menu()
        + f'<div class="td-ss-main-content"><h1 class="entry-title td-page-title">{_e(title)}</h1>{desc}\n'
        + feat + modules + nav + "</div>\n" + _sidebar(posts[:3]) + FOOTER + "</body></html>\n"
    )


def static_page(title: str, text: str, base: str, path: str) -> str:
    """A WordPress *page* (not a post): must never become a snippet."""
    return (
        _head(f"{title} - rki.news", base, base + path,
              f'<meta property="og:type" content="website">\n<meta property="og:title" content="{_e(title)}">\n')
        + '<body class="page-template-default page">\n' + COOKIE_NOTICE + "\n" + _menu()
        + f'<div class="td-ss-main-content"><article class="page type-page"><h1 class="entry-title">{_e(title)}</h1>'
        f'<div class="td-page-content"><p>{_e(text)}</p><p>{_e(text)}</p></div></article></div>\n'
        + _sidebar([]) + FOOTER + "</body></html>\n"
    )


def amp_page(post: Post, base: str) -> str:
    """The AMP variant at PERMALINK/amp/ (the WordPress AMP plugin's reader template): the same text and
    rki block, other chrome, and a canonical link back to the permalink."""
    url = base + post.path
    lang_attr, direction = ("ur", "rtl") if post.lang == "ur" else ("en", "ltr")
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": post.title,
          "datePublished": post.published.isoformat(), "dateModified": post.modified.isoformat(),
          "author": {"@type": "Person", "name": post.author}, "mainEntityOfPage": url}
    g1 = ",".join(_e(CATEGORIES[s].name) for s in post.group1)
    g2 = ",".join(_e(CATEGORIES[s].name) for s in post.group2)
    body = "\n".join(_body_paragraph(post, i, p) for i, p in enumerate(post.paragraphs))
    cats = ", ".join(f'<a href="/category/{c.slug}/">{_e(c.name)}</a>' for c in post.categories)
    return (
        f'<!doctype html>\n<html amp lang="{lang_attr}" dir="{direction}">\n<head><meta charset="utf-8">'
        f'<title>{_e(post.title)} - rki.news</title><link rel="canonical" href="{_e(url)}">'
        '<meta name="viewport" content="width=device-width">'
        f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
        '<style amp-custom>.amp-wp-header{background:#222}</style></head>\n'
        '<body class="amp-wp-template"><header id="top" class="amp-wp-header"><div>'
        '<a href="/">rki.news</a></div></header>\n<article class="amp-wp-article">'
        f'<header class="amp-wp-article-header"><h1 class="amp-wp-title">{_e(post.title)}</h1>'
        f'<div class="amp-wp-meta amp-wp-byline"><span class="amp-wp-author author vcard">{_e(post.author)}</span>'
        f'</div><div class="amp-wp-meta amp-wp-posted-on"><time datetime="{post.published.isoformat()}">'
        f'{wp_date(post.published)}</time></div></header>\n<div class="amp-wp-article-content">\n'
        f"<p>Published on {wp_date(post.published)}</p>\n<p>Document Date: {doc_date(post.modified)}</p>\n"
        f"<p>Category: ,{g1}" + (f" - ,{g2}" if g2 else "") + "</p>\n"
        '<p>Show on website : <a href="#">Click Here</a></p>\n<p>rki.news</p>\n'
        f"{body}\n<amp-ad width=300 height=250 type=\"adsense\"></amp-ad>\n</div>\n"
        f'<footer class="amp-wp-article-footer"><div class="amp-wp-meta amp-wp-tax-category">Categories: {cats}'
        '</div><div class="amp-wp-meta amp-wp-comments-link"><a href="#respond">Leave a Comment</a></div>'
        '</footer></article>\n<footer class="amp-wp-footer"><div><h2>rki.news</h2>'
        '<a href="#top" class="back-to-top">Back to top</a></div></footer>\n</body></html>\n'
    )


def attachment_page(attachment_id: int, base: str) -> str:
    """An image attachment page: each links to the next id, forever (a crawl trap, as on the real site)."""
    path = f"/?attachment_id={attachment_id}"
    return (
        _head(f"photo-{attachment_id} - rki.news", base, base + path,
              '<meta property="og:type" content="website">\n')
        + '<body class="attachment attachment-template-default">\n' + _menu()
        + f'<div class="td-ss-main-content"><h1 class="entry-title">photo-{attachment_id}</h1>'
        f'<p><img src="/wp-content/uploads/photo-{attachment_id}.jpg" alt=""></p>'
        f'<p><a href="/?attachment_id={attachment_id + 1}">Next image</a></p></div>\n'
        + FOOTER + "</body></html>\n"
    )


def not_found_page(base: str) -> str:
    """The themed 404: the full chrome around an apology."""
    return (
        _head("Page not found - rki.news", base, None)
        + '<body class="error404">\n' + COOKIE_NOTICE + "\n" + _menu()
        + '<div class="td-ss-main-content"><h1 class="entry-title">Ooops... Error 404</h1><p>Sorry, but the page you '
        "are looking for doesn’t exist. You can go to the HOMEPAGE.</p></div>\n" + _sidebar([]) + FOOTER
        + "</body></html>\n"
    )


def rss_feed(posts: list[Post], base: str, self_path: str, title: str = SITE_NAME) -> str:
    """RSS 2.0 in WordPress core's feed-rss2.php shape, with tracking parameters on the links."""
    items = []
    for p in posts:
        link = f"{base}{p.path}?utm_source=rss&amp;utm_medium=rss&amp;utm_campaign=RSS"
        cats = "".join(f"<category><![CDATA[{c.name}]]></category>" for c in p.categories)
        content = "".join(f"<p>{_e(t)}</p>" for t in p.paragraphs)
        items.append(
            f"<item><title>{_e(p.title)}</title><link>{link}</link><comments>{base}{p.path}#respond</comments>"
            f"<pubDate>{rfc822_gmt(p.published)}</pubDate><dc:creator><![CDATA[{p.author}]]></dc:creator>{cats}"
            f'<guid isPermaLink="false">{base}/?p={p.post_id}</guid><description><![CDATA[{p.paragraphs[0][:150]} '
            f"[&#8230;]]]></description><content:encoded><![CDATA[{content}]]></content:encoded>"
            f"<wfw:commentRss>{base}{p.path}feed/</wfw:commentRss><slash:comments>0</slash:comments></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" '
        'xmlns:slash="http://purl.org/rss/1.0/modules/slash/">\n<channel>'
        f'<title>{_e(title)}</title><atom:link href="{base}{self_path}" rel="self" type="application/rss+xml" />'
        f"<link>{base}</link><description>{_e(TAGLINE)}</description>"
        f"<lastBuildDate>{rfc822_gmt(NOW)}</lastBuildDate><language>en-US</language>"
        "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency>"
        "<generator>https://wordpress.org/?v=6.5</generator>\n" + "\n".join(items) + "\n</channel></rss>\n"
    )


def sitemap_index(base: str, children: list[str]) -> str:
    entries = "".join(f"<sitemap><loc>{base}{c}</loc></sitemap>" for c in children)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{entries}</sitemapindex>\n")


def urlset(base: str, entries: list[tuple[str, datetime | None]]) -> str:
    rows = "".join(
        f"<url><loc>{base}{path}</loc>" + (f"<lastmod>{mod.isoformat()}</lastmod>" if mod else "") + "</url>"
        for path, mod in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{rows}</urlset>\n")


def robots_txt(base: str) -> str:
    """WordPress core do_robots() plus the core sitemap line and a search-page rule."""
    return (f"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\nDisallow: /?s=\n"
            f"Disallow: /wp-login.php\n\nSitemap: {base}/wp-sitemap.xml\n")


# a theme change as rki.news may make one day: same content and chrome, other classes on the post template
REDESIGN = (("single single-post postid-", "single single-story postid-"), ('class="td-post-content tagdiv-type"',
            'class="story-text"'), ('<h1 class="entry-title">', '<h1 class="story-headline">'))


def redesigned(page: str) -> str:
    """An article page of the current theme as the redesigned theme renders it."""
    for old, new in REDESIGN:
        page = page.replace(old, new)
    return page
