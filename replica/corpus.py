"""Deterministic content of the rki.news replica: the seed article plus generated posts and their truth."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

SITE_TZ = timezone(timedelta(hours=5))  # Asia/Karachi has had no DST since 2009
NOW = datetime(2026, 4, 26, 10, 9, 30, tzinfo=SITE_TZ)  # the seed article's "Document Date"
DEFAULT_ARTICLE_COUNT = 320
URDU_SHARE = 0.15  # the real site publishes about 10-20 % of its posts in Urdu
EDITED_SHARE = 0.3  # posts whose modified date differs from their publication date
SEED_POST_ID = 12345


@dataclass(frozen=True)
class Category:
    """A WordPress category: display name and slug."""

    name: str
    slug: str


CATEGORIES = {
    c.slug: c
    for c in (
        Category("English", "english"),
        Category("Urdu", "urdu"),
        Category("International", "international"),
        Category("Asia", "asia"),
        Category("Pakistan", "pakistan"),
        Category("Kashmir", "kashmir"),
        Category("Agriculture", "agriculture"),
        Category("Snippets", "snippets"),
    )
}


@dataclass
class Post:
    """One article of the replica, with everything its pages and its ground truth need."""

    post_id: int
    title: str
    slug: str  # already percent-encoded for non-ASCII slugs
    published: datetime
    modified: datetime
    lang: str  # "en" or "ur"
    author: str
    author_slug: str
    group1: list[str]  # category slugs before the " - " separator of the rki header block
    group2: list[str]  # category slugs after it ("snippets")
    paragraphs: list[str]  # the body as a reader sees it: the ground truth
    subheads: set[int] = field(default_factory=set)  # indexes of paragraphs rendered as <h2>
    tags: list[str] = field(default_factory=list)
    pull_quote: str | None = None

    @property
    def path(self) -> str:
        return f"/{self.published:%Y/%m/%d}/{self.slug}/"

    @property
    def categories(self) -> list[Category]:
        return [CATEGORIES[s] for s in self.group1 + self.group2]

    def truth(self, base_url: str) -> dict[str, object]:
        """The ground-truth record a cleaner must reproduce for this post."""
        return {
            "post_id": self.post_id,
            "url": base_url + self.path,
            "canonical": base_url + self.path,
            "title": self.title,
            "published": self.published.isoformat(),
            "modified": self.modified.isoformat(),
            "document_date": self.modified.isoformat(),
            "categories": [c.name for c in self.categories],
            "author": self.author,
            "lang": self.lang,
            "paragraphs": list(self.paragraphs),
        }


SEED_PARAGRAPHS = [
    "KYIV – A wave of record-breaking Russian drone and missile attacks struck Kyiv overnight, killing one "
    "person and injuring at least 26, amid growing frustration over stalled ceasefire efforts.",
    "Ukraine’s air force said Russia launched 550 drones and 11 missiles its largest drone assault since the "
    "start of the war. Seventy-two drones penetrated Ukrainian air defences, triggering eight hours of "
    "continuous air raid sirens in the capital.",
    "Fires raged across the city as schools, buildings, cars, and rail infrastructure were damaged.",
    "Rescuers recovered a body from the rubble in Svyatoshynsky district. Poland confirmed damage to its "
    "consulate in Kyiv.",
    "The bombardment followed a phone call between US President Donald Trump and Russian President Vladimir "
    "Putin. Afterward, Trump expressed disappointment, saying Putin showed “no interest” in ending the war.",
    "Ukrainian President Volodymyr Zelensky condemned the strikes as “cynical” and “deliberate,” emphasizing "
    "that the attack came directly after the call with Trump. He urged the US and allies to step up "
    "sanctions and weapon supplies.",
    "Russia’s defence ministry claimed the “massive strike” was retaliation for “terrorist acts” by Kyiv.",
    "Meanwhile, a Ukrainian drone reportedly killed a woman in Russia’s Rostov region.",
    "The Kremlin reiterated it would pursue its objectives militarily if diplomatic means fail. Putin’s "
    "spokesman, Dmitry Peskov, said the conflict would continue as long as Russia’s goals are unmet.",
    "Trump criticized the Biden administration for “emptying out” U.S. weapon stocks and said he would "
    "ensure enough reserves before aiding Ukraine. Zelensky hopes to speak with Trump about reversing the "
    "latest suspension of critical U.S. arms shipments.",
    "NATO Secretary-General Mark Rutte and Germany have called for flexibility in supporting Ukraine's "
    "defence needs, with Berlin in talks to acquire Patriot systems from the U.S. for Ukraine.",
]


def seed_post() -> Post:
    """The article of ../shared/seed-article.txt, reproduced field by field."""
    return Post(
        post_id=SEED_POST_ID,
        title="Putin Rejects Trump Truce as Kyiv Suffers Record Strike",
        slug="putin-rejects-trump-truce-as-kyiv-suffers-record-strike",
        published=datetime(2025, 7, 4, 12, 12, tzinfo=SITE_TZ),
        modified=NOW,
        lang="en",
        author="RKI Network",
        author_slug="rki-network",
        group1=["english", "international"],
        group2=["snippets"],
        paragraphs=list(SEED_PARAGRAPHS),
        tags=["kyiv", "ukraine", "russia"],
        pull_quote="Putin showed “no interest” in ending the war.",
    )


CITIES = ["LAHORE", "KARACHI", "ISLAMABAD", "MUZAFFARABAD", "PESHAWAR", "QUETTA", "MULTAN", "GENEVA",
          "BEIJING", "NEW YORK", "LONDON", "ANKARA", "DHAKA", "KABUL", "TEHRAN", "DOHA"]
ACTORS = ["the provincial government", "farmers’ associations", "the finance ministry", "wheat growers",
          "the irrigation department", "exporters", "the central bank", "rice traders", "officials",
          "the weather office", "cotton ginners", "district administrations", "the United Nations",
          "aid agencies", "the foreign office", "dairy cooperatives"]
VERBS = ["announced", "warned about", "welcomed", "criticised", "proposed", "approved", "rejected",
         "reviewed", "delayed", "expanded", "questioned", "defended"]
TOPICS = ["a new support price for wheat", "canal water shortages", "fertiliser subsidies",
          "the monsoon forecast", "locust surveillance", "a cotton export plan", "sugar cane payments",
          "rural credit schemes", "a drought relief package", "seed certification rules",
          "a solar tube-well programme", "cross-border trade", "fuel price changes", "a ceasefire proposal",
          "flood protection works", "a livestock census"]
DETAILS = ["The decision affects {n} districts, according to figures released on {day}.",
           "Officials said about {n},000 families would be covered in the first phase.",
           "“We cannot wait for another season,” said a spokesperson, adding that talks would resume on {day}.",
           "Critics argued the plan ignored small growers who own less than {n} acres.",
           "Prices rose by {n} per cent in the week before the announcement.",
           "The meeting, held behind closed doors, lasted nearly {n} hours.",
           "Observers noted that similar measures had failed in {year} because of poor funding.",
           "A committee of {n} members will oversee the work and report back within a month.",
           "Local markets reported thin trading on {day} as buyers awaited clarity.",
           "The opposition called for a debate in parliament – a demand the government has so far resisted.",
           "Satellite data showed reservoir levels {n} per cent below the ten-year average.",
           "Traders in the wholesale market said demand had been “unusually strong” since {day}."]
SUBHEADS = ["What happens next", "Reaction from growers", "Background", "Numbers at a glance"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TITLE_PATTERNS = ["{Actor} {verb} {topic}", "{City}: {actor} {verb} {topic}",
                  "Row over {topic} as {actor} {verb} it", "{Actor} {verb} {topic} amid concern"]
ENGLISH_AUTHORS = [("RKI Network", "rki-network"), ("Staff Reporter", "staff-reporter"),
                   ("Ayesha Siddiqui", "ayesha-siddiqui"), ("Imran Qureshi", "imran-qureshi")]
URDU_AUTHORS = [("رہبر کسان نیوز", "rahbar-kisan-news"), ("RKI Network", "rki-network")]
URDU_SENTENCES = [
    "صوبائی حکومت نے گندم کی نئی امدادی قیمت کا اعلان کر دیا ہے۔",
    "کسان تنظیموں نے نہری پانی کی کمی پر تشویش کا اظہار کیا۔",
    "محکمہ موسمیات کے مطابق اس سال مون سون معمول سے زیادہ ہو سکتا ہے۔",
    "کھاد کی قیمتوں میں اضافے سے چھوٹے کاشتکار سب سے زیادہ متاثر ہوئے ہیں۔",
    "حکام نے بتایا کہ پہلے مرحلے میں ہزاروں خاندانوں کو سہولت دی جائے گی۔",
    "منڈی میں کپاس کی خرید و فروخت سست روی کا شکار رہی۔",
    "ماہرین کا کہنا ہے کہ پانی کے ذخائر کو بہتر بنانا وقت کی اہم ضرورت ہے۔",
    "اجلاس میں زرعی قرضوں کی فراہمی آسان بنانے پر اتفاق کیا گیا۔",
    "چاول کے برآمد کنندگان نے نئی تجارتی پالیسی کا خیر مقدم کیا۔",
    "دیہی علاقوں میں شمسی ٹیوب ویل منصوبے پر کام تیز کر دیا گیا ہے۔",
    "اپوزیشن نے اس معاملے پر پارلیمان میں بحث کا مطالبہ کیا۔",
    "کشمیر میں سیب کے کاشتکاروں نے بہتر فصل کی توقع ظاہر کی ہے۔",
]
URDU_TITLE_WORDS = ["گندم", "کسان", "پانی", "کپاس", "مون", "سون", "کھاد", "منڈی", "برآمد", "قرضے",
                    "فصل", "حکومت", "اعلان", "تشویش", "منصوبہ", "کشمیر"]
TAGS = ["wheat", "water", "cotton", "monsoon", "trade", "prices", "farmers", "policy", "kashmir", "weather"]


def english_post(rng: random.Random, post_id: int, published: datetime) -> Post:
    city = rng.choice(CITIES)
    actor, verb, topic = rng.choice(ACTORS), rng.choice(VERBS), rng.choice(TOPICS)
    title = rng.choice(TITLE_PATTERNS).format(
        Actor=actor[0].upper() + actor[1:], actor=actor, verb=verb, topic=topic, City=city.title()
    )
    title = f"{title} ({post_id})"  # keeps titles and slugs unique, as WordPress would with -2, -3
    lead = f"{city} – {actor[0].upper() + actor[1:]} on {rng.choice(DAYS)} {verb} {topic}, a move " \
           f"expected to shape the coming season."
    paragraphs = [lead]
    for _ in range(rng.randint(3, 9)):
        paragraph = paragraphs[-1]
        while paragraph in paragraphs:  # no story repeats one of its paragraphs
            paragraph = rng.choice(DETAILS).format(n=rng.randint(2, 90), day=rng.choice(DAYS),
                                                   year=rng.randint(2015, 2023))
        paragraphs.append(paragraph)
    subheads: set[int] = set()
    if len(paragraphs) >= 6 and rng.random() < 0.3:
        paragraphs.insert(4, rng.choice(SUBHEADS))
        subheads.add(4)
    section = rng.choice(["international", "pakistan", "kashmir", "agriculture", "asia"])
    group1 = ["english", section]
    if section == "asia":
        group1 = ["english", "international", "asia"]
    group2 = ["snippets"] if rng.random() < 0.6 else []
    author, author_slug = rng.choice(ENGLISH_AUTHORS)
    slug = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return Post(post_id, title, slug, published, published, "en", author, author_slug, group1, group2,
                paragraphs, subheads, rng.sample(TAGS, 2),
                pull_quote=paragraphs[1] if rng.random() < 0.2 else None)


def _urdu_post(rng: random.Random, post_id: int, published: datetime) -> Post:
    words = rng.sample(URDU_TITLE_WORDS, 4)
    title = " ".join(words) + f" {post_id}"
    paragraphs: list[str] = []
    for _ in range(rng.randint(3, 7)):
        paragraph = paragraphs[-1] if paragraphs else ""
        while not paragraph or paragraph in paragraphs:
            paragraph = " ".join(rng.sample(URDU_SENTENCES, rng.randint(1, 3)))
        paragraphs.append(paragraph)
    author, author_slug = rng.choice(URDU_AUTHORS)
    group1 = ["urdu", rng.choice(["pakistan", "kashmir", "agriculture"])]
    slug = quote("-".join(words) + f"-{post_id}", safe="-").lower()  # WordPress lowercases %XX escapes
    return Post(post_id, title, slug, published, published, "ur", author, author_slug, group1, [],
                paragraphs, set(), rng.sample(TAGS, 1))


def build_posts(count: int = DEFAULT_ARTICLE_COUNT, seed: int = 2026) -> list[Post]:
    """All posts, newest first. The same (count, seed) always gives the same posts."""
    rng = random.Random(seed)
    posts = [seed_post()]
    for i in range(count - 1):
        post_id = 20000 + i * 7
        published = NOW - timedelta(minutes=rng.randint(60, 365 * 24 * 60))
        published = published.replace(second=0)
        if rng.random() < URDU_SHARE:
            post = _urdu_post(rng, post_id, published)
        else:
            post = english_post(rng, post_id, published)
        if rng.random() < EDITED_SHARE:
            delta = timedelta(seconds=rng.randint(600, 40 * 24 * 3600))
            post.modified = min(NOW, published + delta)
        posts.append(post)
    posts.sort(key=lambda p: (p.published, p.post_id), reverse=True)
    return posts
