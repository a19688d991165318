"""Checking that a report or figure speaks one language: no label of the other appears.

Shared by the tests of every product that is written in English or German (compare's report,
summary.png, analyze's report).
"""

from __future__ import annotations

import re

from simulation.reports.i18n import LABELS

# Identifiers (parameter keys such as ``structures.contact_point.report_boost``, column names,
# file paths) read the same in every language, so they are taken out before looking for words.
_IDENTIFIER = re.compile(r"[\w/-]+(?:[._/][\w/-]+)+")
_EMBEDDED_PNG = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")


def foreign_labels(lang: str) -> set[str]:
    """The labels of the other languages that differ from ``lang``'s own: for labels with
    placeholders, the fixed text before the first one. Shorter than four characters is left
    out ("Tag", "to" and the like occur inside ordinary words)."""
    found = set()
    for texts in LABELS.values():
        own = texts[lang]
        for other, text in texts.items():
            fixed = text.split("{")[0].strip()
            if other != lang and text != own and len(fixed) > 3 and fixed not in own:
                found.add(fixed)
    return found


def visible_text(html: str) -> str:
    """What a reader sees of an HTML page: no tags, no embedded images."""
    return re.sub(r"<[^>]+>", " ", _EMBEDDED_PNG.sub("", html))


def figure_text(fig) -> str:
    """Every text of a matplotlib figure (titles, labels, legend, annotations), one a line."""
    return "\n".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))


def foreign_words(text: str, lang: str) -> list[str]:
    """The labels of another language that occur in ``text`` (an empty list is the goal)."""
    words = _IDENTIFIER.sub(" ", text)
    return sorted(label for label in foreign_labels(lang) if label in words)
