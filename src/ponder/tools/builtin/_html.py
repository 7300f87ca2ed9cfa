"""HTML to readable text with the standard library: headings, paragraphs, list items, no scripts or styles.

Light on purpose: enough for a model to read an article or a docs page, with the page's
title kept apart. Tables become one line per row, cells separated by " | ".
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = {"script", "style", "noscript", "svg", "template", "iframe", "head", "nav", "footer", "form", "button"}
_BLOCK = {
    "p", "div", "section", "article", "main", "header", "aside", "br", "hr", "tr", "table", "ul", "ol",
    "blockquote", "pre", "figure", "figcaption", "dl", "dt", "dd", "li", "h1", "h2", "h3", "h4", "h5", "h6",
}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "track", "wbr"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.title: list[str] = []
        self.skip_depth = 0
        self.in_title = False
        self.in_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _SKIP and tag not in _VOID:
            self.skip_depth += 1
        if self.skip_depth:
            return
        if tag in _BLOCK:
            self.out.append("\n")
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.out.append("#" * int(tag[1]) + " ")
        elif tag == "li":
            self.out.append("- ")
        elif tag in ("td", "th"):
            self.out.append(" | ")
        elif tag == "pre":
            self.in_pre = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIP and self.skip_depth:
            self.skip_depth -= 1
            return
        if self.skip_depth:
            return
        if tag == "pre":
            self.in_pre = False
        if tag in _BLOCK and tag not in ("li", "tr", "dt", "dd"):
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if self.skip_depth:
            return
        self.out.append(data if self.in_pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> tuple[str, str]:
    """(title, readable text) of an HTML document."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    lines = [line.strip().strip("|").strip() if "|" in line else line.strip() for line in "".join(parser.out).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    title = " ".join("".join(parser.title).split())
    return title, text
