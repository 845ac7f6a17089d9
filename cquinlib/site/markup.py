"""Markdown to safe HTML: contributed text may format itself but never run script, and costs time in proportion
to its length.

Markdown is GitHub's own CommonMark parser, cmark-gfm, whose work is linear in its input whatever the input (it is
fuzzed for that); python-markdown took quadratic time on text as plain as `<a ` or `[` repeated (its raw HTML
extraction and its link, heading and code-span handling each rescan the rest of the text), 114 s for 93 KiB. nh3
(Rust's ammonia) then keeps only the tags and attributes below; its own work grows with how deeply the HTML
nests, which the format's limits bound (format.shapes.markdown_problem: nesting, raw tags) along with the length.
"""

from __future__ import annotations

import html as html_text
import re
import unicodedata
from dataclasses import dataclass, field

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from markupsafe import Markup

from ..format.shapes import markdown_problem
from ..format.spec import MAX_MARKDOWN

ALLOWED_TAGS = frozenset({"p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
                          "a", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
                          "dl", "dt", "dd", "abbr", "sup", "sub"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"},
                      "h2": {"id"}, "h3": {"id"}, "h4": {"id"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Lines with none of Markdown's syntax characters, none starting with a block marker or ending in a space (a
# line break), render as one bare paragraph; most descriptions and summaries are such lines, and skipping the
# parser for them halves the cost of a scheme page. Equality with the full path is tested, on random text too.
_PLAIN_LINE = (r"[^\s#>*+\-=|0-9\\`_\[\]<&!{}~\xa0\x00-\x1f\x7f]"
               r"(?:[^\n\r\t\\`*_\[\]<>&!{}|~\xa0\x00-\x1f\x7f]*[^\s\\`*_\[\]<>&!{}|~\xa0\x00-\x1f\x7f])?")
PLAIN_PARAGRAPH = re.compile(f"{_PLAIN_LINE}(?:\n{_PLAIN_LINE})*")
# Every id a heading in contributed text gets starts so, and no template's own id does: a summary's heading
# "Goals" can never take the id of the page's own "Goals".
HEADING_ID_PREFIX = "section-"


class MarkupError(Exception):
    """Markdown the renderer refuses: longer or more deeply nested than any page needs."""

    def __init__(self, message: str, text: str) -> None:
        """Keep the text, so that the failure can be traced to the field that holds it."""
        super().__init__(message)
        self.text = text


# Raw HTML is passed through by cmark and removed or kept by nh3, which is what keeps script out.
_CMARK_OPTIONS = Options.CMARK_OPT_UNSAFE
_CMARK_EXTENSIONS = ["table"]
# cmark's own headings carry no attributes; a contributor's raw HTML heading may.
_HEADING = re.compile(r"<(/?)h([1-6])(?=[\s>/])")
# A heading's text runs to its closing tag, and never past another heading tag, so no search rescans the text.
_OWN_HEADING = re.compile(r"<h([1-6])>((?:(?!</?h[1-6][\s>/]).)*)</h\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


@dataclass
class MarkdownRenderer:
    """Renders Markdown with cmark-gfm, sanitises with nh3, roots site links under base_path, and gives headings
    ids that are unique on the page being rendered (start_page begins one)."""

    base_path: str = "/"
    _page_ids: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def start_page(self) -> None:
        """Forget the heading ids given so far: a new page begins (ids are unique within each page)."""
        self._page_ids.clear()

    def __call__(self, text: str, top_heading: int = 2) -> Markup:
        """Safe HTML for Markdown text; its top heading becomes top_heading so page outlines stay in order."""
        if not text:
            return Markup("")
        if len(text) > MAX_MARKDOWN:
            raise MarkupError(f"this text may be at most {MAX_MARKDOWN} characters; this one has {len(text)}", text)
        problem = markdown_problem(text)
        if problem:
            raise MarkupError(problem, text)
        if PLAIN_PARAGRAPH.fullmatch(text):
            return Markup(f"<p>{html_text.escape(text, quote=False)}</p>")
        return self.render_markdown(text, top_heading)

    def render_markdown(self, text: str, top_heading: int = 2) -> Markup:
        """The full path: parse, shift and name the headings, sanitise (what the plain-paragraph path equals)."""
        html = cmarkgfm.markdown_to_html_with_extensions(text, options=_CMARK_OPTIONS, extensions=_CMARK_EXTENSIONS)
        html = _with_heading_ids(_shift_headings(html, top_heading))
        clean = nh3.clean(html.rstrip("\n"), tags=set(ALLOWED_TAGS),
                          attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                          url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer",
                          attribute_filter=self._filter_attribute)
        return Markup(clean)

    def _filter_attribute(self, tag: str, name: str, value: str) -> str | None:
        """Root-relative links get the site's base path so they work under a sub-path; heading ids are made
        unique on the page and kept apart from the templates' own."""
        if tag == "a" and name == "href" and value.startswith("/") and not value.startswith("//"):
            return self.base_path + value.lstrip("/")
        if name == "id":
            return self._unique_id(value)
        return value

    def _unique_id(self, value: str) -> str:
        """section-NAME, or section-NAME-2, -3... when the page already has it."""
        base = HEADING_ID_PREFIX + (value or "heading")
        made = base
        while made in self._page_ids:  # counts on from the last number given, so repeats cost one step each
            self._page_ids[base] += 1
            made = f"{base}-{self._page_ids[base]}"
        self._page_ids.setdefault(made, 1)
        self._page_ids.setdefault(base, 1)
        return made


def _shift_headings(html: str, top_heading: int) -> str:
    """Move every heading down so that the text's top heading is at top_heading (at most h6)."""
    levels = [int(m.group(2)) for m in _HEADING.finditer(html) if not m.group(1)]
    if not levels:
        return html
    shift = max(0, top_heading - min(levels))
    if shift == 0:
        return html
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}", html)


def _with_heading_ids(html: str) -> str:
    """cmark's own headings with an id from their text (the renderer then makes it unique on the page)."""
    def with_id(match: re.Match[str]) -> str:
        """One heading, given its id."""
        words = html_text.unescape(_TAG.sub("", match.group(2)))
        ascii_words = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode().lower()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_words).strip("-")[:60].strip("-")
        return f'<h{match.group(1)} id="{slug}">{match.group(2)}</h{match.group(1)}>'
    return _OWN_HEADING.sub(with_id, html)
