"""Every URL of the site and the output file each one becomes: the one place the site's address space is made.

The model's `url` properties, the page plan, the templates (as the `urls` global), the write stage and the
search export all ask here, so a page can never be linked at one address and written at another.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePosixPath

from anyascii import anyascii

HOME = "/"
YEARS = "/years/"
REGIONS = "/regions/"
TYPES = "/types/"
PROVIDERS = "/providers/"
GOALS = "/goals/"
NATIONAL_GOALS = "/national-goals/"
SEARCH = "/search/"
REAL = "/real/"  # every real scheme, the listings' "real schemes only"
SOURCES = "/sources/"  # the content page content/sources.md, when a library has one
SEARCH_INDEX = "/a-z/"  # goals and topics A to Z: where search leads without JavaScript
SITEMAP = "/sitemap.xml"
ROBOTS = "/robots.txt"
NOT_FOUND = "/404.html"
JSON_SCHEMA = "/scheme-format.schema.json"
# The standard template as a spreadsheet and in its CSV form (made by the build, for contributors).
TEMPLATE_XLSX = "/downloads/cquin-scheme-template.xlsx"
TEMPLATE_CSV = "/downloads/cquin-scheme-template.csv"
LIBRARY_SCHEMA = "/schema/library.schema.json"
WHATS_NEW = "/whats-new/"
FEED = "/feed.xml"
SUBMIT = "/submit/"
# The templates a contributor fills in, by where the site publishes them, as the submit page offers them.
SCHEME_TEMPLATES = ((TEMPLATE_XLSX, "Spreadsheet template (Excel)"),
                    (TEMPLATE_CSV, "Spreadsheet template (CSV)"),
                    ("/scheme-template.yaml", "YAML template"))
STATIC = "/static/"
DATA = "/data/"
COMPARE = "/compare/"
SCHEMES_CSV = "/downloads/schemes.csv"
INDICATORS_CSV = "/downloads/indicators.csv"
SCHEMES_JSON = "/downloads/schemes.json"
MAX_SLUG = 80  # characters of a slug made from a name, before its digest


def slugify(text: str) -> str:
    """Make a URL slug from a name: lower-case ASCII words joined by single hyphens, other scripts transliterated
    ('日本' reads as 'riben')."""
    ascii_text = anyascii(unicodedata.normalize("NFKC", text))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower().replace("'", "")).strip("-") or "unnamed"


def name_key(name: str) -> str:
    """What makes two names the same name: their letters and digits, case folded (spacing and punctuation aside,
    so "St Mary's" and "St Mary’s" are one provider)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())


def name_slug(name: str) -> str:
    """A slug that two different names (by name_key) never share: the name's slug, and where the name holds
    letters beyond ASCII, which a transliteration may merge ('Café' and 'Cafe'; two names in another script), a
    short digest of its key."""
    key = name_key(name)
    slug = slugify(name)
    if key.isascii() and len(slug) <= MAX_SLUG:
        return slug
    # A transliteration can be five times its name's length: cut, so no file name is ever too long.
    return f"{slug[:MAX_SLUG].rstrip('-')}-{hashlib.blake2b(key.encode('utf-8'), digest_size=3).hexdigest()}"


def fragment(text: str) -> str:
    """A value as part of an HTML id and URL fragment, distinct values never alike: ASCII letters, digits, '.' and
    '-' stay as they are ('1.1', 'A'), any other character is written as _HEX_ (so '1 a' is '1_20_a')."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in ".-") else f"_{ord(ch):x}_" for ch in text)


def scheme_id(year: str, region: str, slug: str) -> str:
    """YEAR/REGION/SLUG: a scheme's identity, from its path."""
    return f"{year}/{region}/{slug}"


def scheme_url(year: str, region: str, slug: str) -> str:
    """A scheme's page."""
    return f"/schemes/{year}/{region}/{slug}/"


def attachment_url(scheme_page: str, file: str) -> str:
    """Where a scheme's attachment is published: beside its page."""
    return f"{scheme_page}{file}"


def year_url(slug: str) -> str:
    """A financial year's page."""
    return f"{YEARS}{slug}/"


def region_url(slug: str) -> str:
    """A region's page."""
    return f"{REGIONS}{slug}/"


def type_url(slug: str) -> str:
    """A provider type's page."""
    return f"{TYPES}{slug}/"


def provider_url(slug: str) -> str:
    """A provider's page, from the slug of its name."""
    return f"{PROVIDERS}{slug}/"


def topic_url(slug: str) -> str:
    """The first page of a topic's goals."""
    return f"{GOALS}{slug}/"


def listing_page_url(first: str, number: int) -> str:
    """The URL of page `number` of a listing whose first page is `first`."""
    return first if number == 1 else f"{first}{number}/"


def national_goal_anchor(year: str, goal_id: str) -> str:
    """The fragment that identifies a national goal on the national goals page."""
    return f"{year}-{goal_id}"


def national_goal_url(year: str, goal_id: str) -> str:
    """A national goal's own page: its description and how every scheme that adopted it set it."""
    return f"{NATIONAL_GOALS}{year}/{goal_id}/"


def content_page_url(parts: tuple[str, ...]) -> str:
    """A Markdown page's URL from its path parts without the suffix: ('about',) is /about/, ('guidance',
    'index') is /guidance/."""
    kept = parts[:-1] if parts and parts[-1] == "index" else parts
    return "/" + "".join(f"{part}/" for part in kept)


def static_url(rel: str) -> str:
    """An asset from templates/static/, by its path there."""
    return STATIC + rel


def content_file_url(rel: str) -> str:
    """A file from content/files/, published at the same path under the site root."""
    return "/" + rel


def search_file_url(name: str) -> str:
    """A file of the static search index, by its name under /search/."""
    return SEARCH + name


def dest_path(url: str) -> PurePosixPath:
    """The output file for a site URL: '/a/b/' is 'a/b/index.html', '/x.xml' is 'x.xml'."""
    return PurePosixPath(dest_rel(url))


def dest_rel(url: str) -> str:
    """dest_path as a string, as the manifest names files (no path object: a build asks for every page's)."""
    rel = url.lstrip("/")
    return rel + "index.html" if url.endswith("/") else rel
