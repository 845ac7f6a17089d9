"""The page plan: every page of the site, each with the template that renders it and the inputs it reads.

Each page kind is one function below, and what it hands its template is all the template gets (besides the
site-wide globals of render.make_environment): a template that reaches for anything else fails the build. The
sitemap lists the planned pages themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, NamedTuple, Optional

from ..format.spec import PROVIDER_TYPES
from ..library import urls
from ..library.cards import SchemeCard
from ..library.catalog import Catalog, GoalEntry, Provider, TopicPage, news_of
from ..library.model import Topic
from . import charts
from .comparisons import data_files, national_goal_pages, table_refs, topic_inputs
from .az import az_letters
from .content import Content, Page
from .inputs import Input, Names, Shown, WholeScheme
from .news import feed_inputs, whats_new_inputs


@dataclass(frozen=True)
class PageSpec:
    """A page to render: its URL, its template, what the template reads, and how the sitemap lists it."""

    url: str
    template: str
    inputs: Mapping[str, Input] = field(default_factory=dict)
    src_path: Optional[str] = None  # the source file that asked for the page (a string: thousands are planned)
    in_sitemap: bool = True
    lastmod: str = ""


class Counts(NamedTuple):
    """The home page's figures."""

    schemes: int
    real: int  # compiled from public sources; the rest are worked examples
    illustrative: int
    years: int
    regions: int
    providers: int
    topics: int


class ProviderRow(NamedTuple):
    """What the providers page shows of one provider: its years as the labels of the first and last."""

    url: str
    name: str
    types: tuple[str, ...]
    first_year: str
    last_year: str
    many_years: bool
    schemes: int
    illustrative: bool  # every scheme of the provider is a worked example, its name invented


class GoalLink(NamedTuple):
    """A goal entry as the goals page lists it: name, where it is shown (None: in the untopical list here), uses."""

    name: str
    url: Optional[str]
    uses: int


class PageLink(NamedTuple):
    """One page of a listing, as its pager links it."""

    number: int
    url: str


def plan_site(catalog: Catalog, content: Content, related: Optional[Mapping[str, tuple[str, ...]]] = None,
              listed_rows: int = 0) -> list[PageSpec]:
    """Every page the site has, in a stable order; related: similar schemes' ids by scheme id; listed_rows: how
    many rows of the indicator table the listed schemes have (the comparisons declare the rows they show, which
    are read as they render)."""
    names = Names.of(catalog.years, catalog.regions.values())
    specs = [home_page(catalog, names), years_page(catalog), regions_page(catalog), types_page(catalog),
             providers_page(catalog), goals_page(catalog, names), national_goals_page(catalog),
             PageSpec(urls.NOT_FOUND, "404.html", in_sitemap=False),
             PageSpec(urls.ROBOTS, "robots.txt", in_sitemap=False),
             PageSpec(urls.SEARCH, "search.html", in_sitemap=False)]
    specs.append(real_page(catalog, names))
    specs.append(az_page(catalog))  # after the first eight, where the sitemap goes
    specs += [year_page(catalog, y.slug, names) for y in catalog.years]
    specs += [region_page(catalog, slug, names) for slug in catalog.regions]
    specs += [type_page(catalog, t, names) for t in PROVIDER_TYPES]
    specs += [provider_page(p, names) for p in catalog.providers]
    refs = table_refs(catalog)
    for topic in catalog.topics.values():
        pages = catalog.topic_pages[topic.slug]
        links = topic_links(pages)
        specs += [topic_page(topic, page, links, names, topic_inputs(topic, page, refs, catalog.years, names.years))
                  for page in pages]
    specs += [PageSpec(url, "national_goal.html", inputs) for url, inputs in national_goal_pages(catalog, refs)]
    specs += [PageSpec(urls.DATA, "data.html", {"files": Shown(data_files(listed_rows, catalog))}),
              PageSpec(urls.COMPARE, "compare.html", in_sitemap=False)]
    specs += scheme_pages(catalog, related or {}, names)
    specs += [submit_page(p, catalog, content) if p.url == urls.SUBMIT else content_page(p) for p in content.pages]
    specs.append(PageSpec(urls.WHATS_NEW, "whats_new.html", whats_new_inputs(catalog, names)))
    if not content.site.has_address:  # the sitemap and Atom take absolute addresses only
        return specs
    return [*specs[:8], sitemap(specs), *specs[8:],
            PageSpec(urls.FEED, "feed.xml", feed_inputs(catalog, names), in_sitemap=False)]


def sitemap(specs: list[PageSpec]) -> PageSpec:
    """The sitemap: every planned page that belongs in it, in plan order, with its last change where known."""
    entries = tuple((s.url, s.lastmod) for s in specs if s.in_sitemap)
    return PageSpec(urls.SITEMAP, "sitemap.xml", {"entries": Shown(entries)}, in_sitemap=False)


def home_page(catalog: Catalog, names: Names) -> PageSpec:
    """The home page: the library in numbers and the newest schemes."""
    illustrative = sum(1 for card in catalog.listed if card.illustrative)
    counts = Counts(len(catalog.listed), len(catalog.listed) - illustrative, illustrative, len(catalog.by_year), len(catalog.by_region), len(catalog.providers),
                    len(catalog.goals_by_topic))
    return PageSpec(urls.HOME, "home.html", {"counts": Shown(counts), "newest": Shown(catalog.newest),
                                             "news": Shown(tuple(news_of(s) for s in catalog.newest)),
                                             "names": Shown(names.for_cards(catalog.newest))})


def years_page(catalog: Catalog) -> PageSpec:
    """Every financial year with its share, national goals and scheme count."""
    return PageSpec(urls.YEARS, "years.html", {"years": Shown(catalog.years),
                                               "counts": Shown(_counts(catalog.by_year)),
                                               "charts": Shown(charts.year_charts(catalog.years[::-1], catalog.by_year))})


def regions_page(catalog: Catalog) -> PageSpec:
    """Every region with its span and scheme count."""
    counts = _counts(catalog.by_region)
    return PageSpec(urls.REGIONS, "regions.html", {"regions": Shown(tuple(catalog.regions.values())),
                                                   "counts": Shown(counts),
                                                   "chart": Shown(charts.region_chart(catalog.regions.values(),
                                                                                      counts))})


def types_page(catalog: Catalog) -> PageSpec:
    """Every provider type with its scheme count."""
    return PageSpec(urls.TYPES, "types.html", {"counts": Shown(_counts(catalog.by_type))})


def providers_page(catalog: Catalog) -> PageSpec:
    """Every provider with its types, years and scheme count (not its schemes' titles: a title edit on a large
    library leaves this page alone)."""
    labels = Names.of(catalog.years, ()).years
    rows = []
    for p in catalog.providers:
        years = {s.year for s in p.schemes}
        rows.append(ProviderRow(p.url, p.name, p.types, labels[min(years)], labels[max(years)], len(years) > 1,
                                len(p.schemes), all(s.illustrative for s in p.schemes)))
    return PageSpec(urls.PROVIDERS, "providers.html", {"providers": Shown(tuple(rows))})


def goals_page(catalog: Catalog, names: Names) -> PageSpec:
    """Goal names by topic and by quality domain, each linked to where its topic's page shows it."""
    by_topic = tuple((catalog.topics[slug], tuple(_goal_link(catalog, slug, e) for e in entries))
                     for slug, entries in catalog.goals_by_topic.items())
    by_domain = tuple((domain, tuple(_goal_link(catalog, e.uses[0].goal.topics[0], e) if e.uses[0].goal.topics
                                     else GoalLink(e.name, None, len(e.uses)) for e in entries))
                      for domain, entries in catalog.goals_by_domain.items())
    untopical = catalog.untopical_goals
    index = tuple(sorted(((t.name, f"topic-{t.slug}", len(links), sum(e.uses for e in links))
                          for t, links in by_topic), key=lambda item: (item[0].casefold(), item[1])))
    return PageSpec(urls.GOALS, "goals.html", {
        "by_topic": Shown(by_topic), "by_domain": Shown(by_domain), "untopical": Shown(untopical),
        "topic_index": Shown(index),
        "names": Shown(names.for_cards(u.scheme for e in untopical for u in e.uses)),
        "charts": Shown(charts.goal_charts(catalog.goals_by_domain, catalog.goals_by_topic, catalog.topics))})


def az_page(catalog: Catalog) -> PageSpec:
    """Goals and topics A to Z: where the search form leads without JavaScript."""
    return PageSpec(urls.SEARCH_INDEX, "az.html", {"letters": Shown(az_letters(catalog))})


def national_goals_page(catalog: Catalog) -> PageSpec:
    """Every year's national goals with the schemes that adopted each."""
    shown = {t for y in catalog.years for g in y.national_goals for t in g.topics}
    return PageSpec(urls.NATIONAL_GOALS, "national_goals.html", {
        "years": Shown(catalog.years), "topics": Shown(_topics(catalog, shown)),
        "adoptions": Shown(catalog.adoptions)})


def real_page(catalog: Catalog, names: Names) -> PageSpec:
    """Every real (not illustrative) listed scheme, newest year first: where "real schemes only" leads."""
    schemes = tuple(c for c in catalog.listed if not c.illustrative)
    return PageSpec(urls.REAL, "real.html", {"schemes": Shown(schemes), "names": Shown(names.for_cards(schemes))})


def year_page(catalog: Catalog, slug: str, names: Names) -> PageSpec:
    """A year: its share, summary, national goals and schemes by region."""
    schemes = catalog.by_year.get(slug, ())
    year = catalog.year(slug)
    return PageSpec(year.url, "year.html", {"year": Shown(year), "schemes": Shown(schemes),
                                            "names": Shown(names.for_cards(schemes))})


def region_page(catalog: Catalog, slug: str, names: Names) -> PageSpec:
    """A region: its span and schemes by year."""
    schemes = catalog.by_region.get(slug, ())
    region = catalog.regions[slug]
    return PageSpec(region.url, "region.html", {"region": Shown(region), "schemes": Shown(schemes),
                                                "names": Shown(names.for_cards(schemes))})


def type_page(catalog: Catalog, provider_type: str, names: Names) -> PageSpec:
    """A provider type: its schemes by year."""
    schemes = catalog.by_type.get(provider_type, ())
    return PageSpec(urls.type_url(provider_type), "type.html", {
        "type": Shown(provider_type), "schemes": Shown(schemes), "names": Shown(names.for_cards(schemes))})


def provider_page(provider: Provider, names: Names) -> PageSpec:
    """A provider: each of its schemes with its national and local goals."""
    return PageSpec(provider.url, "provider.html", {"provider": Shown(provider),
                                                    "names": Shown(names.for_cards(provider.schemes))})


def topic_links(pages: tuple[TopicPage, ...]) -> Shown:
    """The links to every page of a topic, one input that all of them share (so it is keyed once per topic, not
    once per page: a topic of many pages would key the square of their number)."""
    return Shown(tuple(PageLink(p.number, p.url) for p in pages))


def topic_page(topic: Topic, page: TopicPage, links: Shown, names: Names, comparison: Mapping[str, Input]) -> PageSpec:
    """One page of a topic's goals: every indicator of the schemes that used each, compared; links: topic_links of
    the topic's pages."""
    cards = [u.scheme for section in page.sections for u in section.uses]
    return PageSpec(page.url, "topic.html", {
        "topic": Shown(topic), "page": Shown(page), "pages": links,
        "names": Shown(names.for_cards(cards)), **comparison})


def scheme_pages(catalog: Catalog, related: Mapping[str, tuple[str, ...]], names: Names) -> list[PageSpec]:
    """Every built scheme's page, by URL (the order the sitemap lists them in).

    Each page declares the topics its goals use (so a topic renamed re-renders only the pages that show it),
    and shares the one table of year labels and region names that its similar schemes are captioned with.
    """
    listed = {s.id: s for s in catalog.listed}
    years = {y.slug: Shown(y) for y in catalog.years}
    regions = {slug: Shown(r) for slug, r in catalog.regions.items()}
    shared_names = Shown(names)
    topic_sets: dict[tuple[str, ...], Shown] = {}
    pages = []
    for card in sorted(catalog.built, key=lambda c: c.url):
        near = tuple(listed[r] for r in related.get(card.id, ()) if r in listed)
        slugs = tuple(sorted({t for g in card.goals for t in g.topics}))
        topics = topic_sets.get(slugs)
        if topics is None:  # schemes that use the same topics share one input, so its key is made once
            topics = topic_sets[slugs] = Shown({t: catalog.topics[t] for t in slugs})
        pages.append(PageSpec(card.url, "scheme.html", {
            "scheme": WholeScheme(card.id), "year": years[card.year], "region": regions[card.region],
            "topics": topics, "related": Shown(near), "names": shared_names,
            "provider_years": Shown(catalog.provider_years(card))},
            src_path=card.src_path, in_sitemap=card.listed, lastmod=_lastmod(card)))
    return pages


def content_page(page: Page) -> PageSpec:
    """A Markdown page from content/."""
    return PageSpec(page.url, "page.html", {"page": Shown(page)}, str(page.src_path))


def submit_page(page: Page, catalog: Catalog, content: Content) -> PageSpec:
    """The how-to-submit page: its Markdown, the years open for schemes (those with a _year.yaml), and the
    templates to fill in that the site publishes."""
    published = {f.url for f in content.files} | {urls.TEMPLATE_XLSX, urls.TEMPLATE_CSV}  # the build makes both
    downloads = tuple((url, label) for url, label in urls.SCHEME_TEMPLATES if url in published)
    return PageSpec(page.url, "submit.html", {
        "page": Shown(page), "years": Shown(tuple((y.slug, y.label) for y in catalog.years)),
        "downloads": Shown(downloads)}, str(page.src_path))


def _goal_link(catalog: Catalog, topic: str, entry: GoalEntry) -> GoalLink:
    """A goal entry linked to where a topic's pages start it."""
    return GoalLink(entry.name, catalog.entry_url(topic, entry), len(entry.uses))


def _counts(groups: Mapping[str, tuple[SchemeCard, ...]]) -> dict[str, int]:
    """How many schemes each group holds."""
    return {key: len(cards) for key, cards in groups.items()}


def _topics(catalog: Catalog, slugs: set[str]) -> dict[str, Topic]:
    """The topics with these slugs, by slug."""
    return {slug: catalog.topics[slug] for slug in sorted(slugs) if slug in catalog.topics}


def _lastmod(card: SchemeCard) -> str:
    """A scheme's last change for the sitemap: its news date (the later of updated and added, else submitted), else
    nothing."""
    news = news_of(card)
    return news.date.isoformat() if news else ""
