"""What the tests of the Chinese edition share: matching a message against the catalogue of
test messages (course_messages/zh.po), whatever it holds today."""

from __future__ import annotations

import re

import course_messages

FIELD = re.compile(r"(?<!\{)\{[^{}]*\}(?!\})")
# A template with less words than this around its fields ("{first} and {second}") is found in
# any text: it tells nothing about which message a page shows.
MEANINGFUL = 12


def shows(template: str, text: str) -> bool:
    """Whether `text` shows the message `template` with some values in its {fields}: its
    literal pieces appear in order on one line. Found piece by piece with str.find, earliest
    first (which finds a match whenever there is one): a regular expression with one `.*?`
    per field backtracks for minutes on a feedback page. A template of several lines is looked
    for in the whole text."""
    pieces = [piece.replace("{{", "{").replace("}}", "}") for piece in FIELD.split(template)]
    for line in [text] if "\n" in template else text.splitlines():
        at = 0
        for piece in pieces:
            at = line.find(piece, at)
            if at < 0:
                break
            at += len(piece)
        else:
            return True
    return False


def translated_templates(english: str) -> list[tuple[str, str]]:
    """(template, its Chinese) for each translated template that `english`, a message shown in
    the English edition, contains: the Chinese edition must show the Chinese there."""
    return [(template, chinese) for template, chinese in course_messages.translations("zh").items()
            if len("".join(FIELD.split(template)).strip()) >= MEANINGFUL and shows(template, english)]
