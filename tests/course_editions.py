"""What the tests of the Chinese edition share: matching a message against the catalogue of
test messages (course_messages/zh.po), whatever it holds today."""

from __future__ import annotations

import re

import course_messages


def template_pattern(template: str) -> re.Pattern:
    """A message template as a pattern: its {fields} match anything."""
    parts = re.split(r"(?<!\{)\{[^{}]*\}(?!\})", template)
    return re.compile(".*?".join(re.escape(part.replace("{{", "{").replace("}}", "}"))
                                 for part in parts), re.S)


def translated_templates(english: str) -> list[tuple[str, str]]:
    """(template, its Chinese) for each translated template that `english`, a message shown in
    the English edition, contains: the Chinese edition must show the Chinese there."""
    return [(template, chinese) for template, chinese in course_messages.translations("zh").items()
            if template_pattern(template).search(english)]
