"""Reading the notebook's HTML tables back in tests: the text of each cell of the outer table, by row,
and the colour each number is written in."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class Cells(HTMLParser):
    """The text of every table cell of the outer table, by row, and the colour each number is in."""

    def __init__(self) -> None:
        super().__init__()
        self.rows, self.colours, self.depth, self.colour = [], [], 0, None
        self.in_cell = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.depth += 1
        if tag == "tr" and self.depth == 1:
            self.rows.append([])
        if tag == "td" and self.depth == 1:
            self.rows[-1].append("")
            self.in_cell = True
        if tag == "span":
            found = re.search(r"color:(#[0-9a-f]{6})", attrs.get("style", ""))
            self.colour = found.group(1) if found else None

    def handle_endtag(self, tag):
        if tag == "table":
            self.depth -= 1
        if tag == "span":
            self.colour = None

    def handle_data(self, data):
        if self.in_cell and self.depth >= 1 and self.rows and self.rows[-1]:
            self.rows[-1][-1] += data
            if self.colour:
                self.colours.append((data, self.colour))


def parse_html(html: str) -> Cells:
    parser = Cells()
    parser.feed(html)
    return parser


def column(html: str, k: int) -> list:
    """The k-th cell of each row of the outer table."""
    return [row[k] for row in parse_html(html).rows if len(row) > k]
