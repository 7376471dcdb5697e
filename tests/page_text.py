"""What a person reads on a page, and a crawl of the app's page types (for the language tests).

Text inside an element that declares another language (`lang="…"`) or `translate="no"` is
data (survey text, proper names) and is left out: the rest is the interface's own words.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

SKIPPED = {"script", "style", "template", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page_lang, self.stack, self.texts = "", [], []

    def _quiet(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.page_lang = attrs.get("lang", "")
        quiet = (tag in SKIPPED or attrs.get("translate") == "no"
                 or (tag != "html" and "lang" in attrs and attrs["lang"] != self.page_lang))
        if not (quiet or self._quiet()):
            self.texts += [attrs[a] for a in READ_ATTRIBUTES if attrs.get(a)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in VOID:
            self.stack.append(quiet)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._quiet() and data.strip():
            self.texts.append(" ".join(data.split()))


def interface_text(html: str) -> tuple[str, list[str]]:
    """(the page's language, the interface's texts) of a page."""
    reader = _Reader()
    reader.feed(html)
    return reader.page_lang, reader.texts


LINK = re.compile(r'href="(/[^"#]*)"')


def page_type(app, url: str) -> str | None:
    """A page's kind: its endpoint and the names of its query arguments (None: not a page)."""
    parts = urlsplit(url)
    try:
        endpoint, _ = app.url_map.bind("localhost").match(parts.path, "GET")
    except Exception:
        return None
    names = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair} - {"lang", "page"})
    return endpoint + "?" + "&".join(names)


def crawl(client, app, starts: list[str], per_type: int = 2, limit: int = 200) -> dict[str, str]:
    """url → HTML of the pages reached from `starts`, at most `per_type` of each page type."""
    seen_types: dict[str, int] = {}
    pages, queue, visited = {}, list(starts), set()
    while queue and len(pages) < limit:
        url = queue.pop(0).replace("&amp;", "&")
        kind = page_type(app, url)
        if url in visited or "lang=" in url or kind is None or seen_types.get(kind, 0) >= per_type:
            continue
        visited.add(url)
        response = client.get(url)
        response.close()  # a streamed answer (an export) holds its turn until closed, as a server does
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        seen_types[kind] = seen_types.get(kind, 0) + 1
        html = response.get_data(as_text=True)
        pages[url] = html
        queue += LINK.findall(html)
    return pages
