"""The messages the chapters' test cells show, in the learner's language.

A test cell writes its message in English, as a template with named fields, and asks for it
through `message`:

    from course_messages import message
    assert got == want, message("Expected {want}; got {got}. Hint: ...", want=want, got=got)

In the English edition that is the template, filled in. In another edition the template is
looked up in that language's catalogue (`zh.po` beside this file, a gettext catalogue whose
msgid is the English template) and the translation is filled in with the same fields. The two
editions run the same test code; only the words differ.

The language is the one `use()` chose (a Chinese release calls `use("zh")` in its first code
cell), else the environment variable COURSE_LANG, else English. A template missing from the
catalogue falls back to English: CI makes sure none is missing (tests/test_translations.py).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import polib

LANGUAGES = ("en", "zh")
CATALOGUES = Path(__file__).resolve().parent
_chosen: str | None = None


def use(language: str) -> None:
    """Show the test messages in `language` from now on ("en" or "zh")."""
    global _chosen
    if language not in LANGUAGES:
        raise ValueError(f"course_messages.use: unknown language {language!r}; "
                         f"expected one of {', '.join(LANGUAGES)}")
    _chosen = language


def language() -> str:
    """The language messages are shown in now."""
    chosen = _chosen or os.environ.get("COURSE_LANG", "en")
    return chosen if chosen in LANGUAGES else "en"


def catalogue_path(language: str) -> Path:
    return CATALOGUES / f"{language}.po"


@functools.lru_cache(maxsize=None)
def translations(language: str) -> dict[str, str]:
    """English template -> translated template, for the entries translated and not fuzzy."""
    path = catalogue_path(language)
    if language == "en" or not path.exists():
        return {}
    return {entry.msgid: entry.msgstr for entry in polib.pofile(str(path))
            if entry.msgstr and not entry.fuzzy and not entry.obsolete}


def message(template: str, /, **fields) -> str:
    """`template` in the current language, with `fields` filled in (str.format)."""
    return translations(language()).get(template, template).format(**fields)
