"""Markdown to safe HTML: contributed text may format itself but never run script."""

from __future__ import annotations

import html as html_text
import re
from dataclasses import dataclass, field

import markdown
import nh3
from markupsafe import Markup

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


@dataclass
class MarkdownRenderer:
    """Renders Markdown with one parser, sanitises with nh3, and roots site links under base_path."""

    base_path: str = "/"
    _parsers: dict[int, markdown.Markdown] = field(default_factory=dict, init=False, repr=False)

    def __call__(self, text: str, top_heading: int = 2) -> Markup:
        """Safe HTML for Markdown text; '#' becomes top_heading so page outlines stay in order."""
        if not text:
            return Markup("")
        if PLAIN_PARAGRAPH.fullmatch(text):
            return Markup(f"<p>{html_text.escape(text, quote=False)}</p>")
        levels = [len(m) for m in re.findall(r"^(#{1,6})[ \t]", text, flags=re.MULTILINE)]
        # The document's own top heading lands on top_heading, whether the author began at '#' or '##'.
        base = max(1, top_heading - (min(levels) - 1)) if levels else top_heading
        html = self._parser(base).reset().convert(text)
        clean = nh3.clean(html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                          url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer",
                          attribute_filter=self._filter_attribute)
        return Markup(clean)

    def _parser(self, base_level: int) -> markdown.Markdown:
        """One parser per heading base level, built once and reset between documents."""
        if base_level not in self._parsers:
            self._parsers[base_level] = markdown.Markdown(
                extensions=["tables", "sane_lists", "toc"], output_format="html",
                extension_configs={"toc": {"baselevel": base_level, "permalink": False}})
        return self._parsers[base_level]

    def _filter_attribute(self, tag: str, name: str, value: str) -> str | None:
        """Root-relative links get the site's base path so they work under a sub-path."""
        if tag == "a" and name == "href" and value.startswith("/") and not value.startswith("//"):
            return self.base_path + value.lstrip("/")
        return value
