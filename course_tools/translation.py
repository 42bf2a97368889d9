"""The Chinese edition: translation files, kept in step with the English chapters.

The English source of a chapter (`solutions/<chapter>.py` and its notebook) stays the one source
of code, solutions and tests. What a reader reads is translated in gettext catalogues:

    translations/zh/<chapter>.po    the chapter's text: each markdown cell, and each comment and
                                    docstring a learner sees in a code cell (not those in
                                    solutions or hidden tests). msgctxt is the cell's id, msgid
                                    the English text.
    course_messages/zh.po           the test cells' messages, `message("English template", ...)`,
                                    shared by every chapter and read at run time (course_messages)

Because each entry records the English it translates (its msgid), a changed English cell no
longer matches its translation: `problems()` names the chapter, the cell and the English text,
and CI fails (tests/test_translations.py). `update()` (`./course translate`) merges the catalogues
with the chapters as gettext's msgmerge does: new text gets an empty entry, changed text keeps the
old translation marked fuzzy with the English it was made from (`#| msgid`), so the translator
sees what changed; text that is gone is dropped.

Applying a catalogue, and the releases and course roots of an edition, are in
course_tools/editions.py.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat
import polib

from course_tools.coursekit import (
    GLOSSARY, HIDDEN_BEGIN, HIDDEN_END, REPO, SOLUTION_BEGIN, SOLUTION_END, TRANSLATIONS,
    CourseError, chapters, read_notebook, source_notebook,
)

EDITIONS = ("zh",)  # the languages besides English
TRANSLATIONS_DIR = TRANSLATIONS
MESSAGES_DIR = "course_messages"
LANGUAGE_NAMES = {"zh": "zh_CN"}
CODE_STUB = "YOUR CODE HERE"  # nbgrader's comment in an emptied answer cell (nbgrader_config.py)
CJK = re.compile(r"[\u4e00-\u9fff]")
FIELD = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)?(![rsa])?(:[^{}]*)?\}(?!\})")
MARKERS = (SOLUTION_BEGIN, SOLUTION_END, HIDDEN_BEGIN, HIDDEN_END)


@dataclass(frozen=True)
class Unit:
    """One piece of English a reader sees: a markdown cell, or a comment (or block of comment
    lines) or a docstring in a code cell."""
    cell_id: str
    cell_index: int
    kind: str  # "markdown", "comment" or "docstring"
    text: str


@dataclass(frozen=True)
class Comment:
    first_row: int  # 0-based line numbers in the cell
    last_row: int
    column: int
    inline: bool
    text: str


def catalogue_path(root: Path, language: str, chapter: str) -> Path:
    return Path(root) / TRANSLATIONS_DIR / language / f"{chapter}.po"


def messages_path(root: Path, language: str) -> Path:
    return Path(root) / MESSAGES_DIR / f"{language}.po"


# --- what is translated ----------------------------------------------------------------------

def _shown_rows(lines: list[str]) -> set[int]:
    """Rows of a code cell a learner sees: not between the solution or hidden-test markers."""
    shown, inside = set(), False
    for row, line in enumerate(lines):
        if SOLUTION_BEGIN in line or HIDDEN_BEGIN in line:
            inside = True
        elif SOLUTION_END in line or HIDDEN_END in line:
            inside = False
        elif not inside:
            shown.add(row)
    return shown


def _comment_tokens(source: str) -> list[tuple[int, int, str]]:
    """(row, column, text) of each comment, by Python's tokenizer (lines of an IPython magic,
    which it cannot read, are left out of the tokenizing)."""
    lines = source.splitlines()
    readable = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(readable + "\n").readline))
    except (tokenize.TokenError, SyntaxError, IndentationError) as error:
        raise CourseError(f"cannot read the comments of a code cell: {error}") from error
    return [(token.start[0] - 1, token.start[1], token.string)
            for token in tokens if token.type == tokenize.COMMENT]


def _comment_text(token: str) -> str:
    return re.sub(r"^#+ ?", "", token).rstrip()


def comments(source: str) -> list[Comment]:
    """The comments a learner reads in a code cell: consecutive whole-line comments at one
    indentation make one block; a comment after code is one on its own. Markers, and comments
    without a letter (rules, `# %%`), are not text."""
    lines = source.splitlines()
    shown = _shown_rows(lines)
    found: list[Comment] = []
    for row, column, token in _comment_tokens(source):
        text = _comment_text(token)
        if row not in shown or any(marker in token for marker in MARKERS) \
                or not re.search(r"[^\W\d_]", text):
            continue
        inline = bool(lines[row][:column].strip())
        previous = found[-1] if found else None
        if not inline and previous and not previous.inline and previous.last_row == row - 1 \
                and previous.column == column:
            found[-1] = Comment(previous.first_row, row, column, False,
                                 previous.text + "\n" + text)
        else:
            found.append(Comment(row, row, column, inline, text))
    return found


@dataclass(frozen=True)
class Docstring:
    first_row: int  # 0-based lines of the string literal in the cell
    last_row: int
    start: int  # column where the literal starts on its first line, and ends on its last
    end: int
    prefix: str  # r, and the quotes: 'r"""' or '"""'
    text: str  # the docstring, cleaned as inspect.cleandoc does


def readable_source(source: str) -> str:
    """A code cell's source with IPython's magic lines blanked, so that Python can read it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def docstring_statements(tree: ast.AST) -> list[ast.Expr]:
    return [node.body[0] for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
            and isinstance(node.body[0].value.value, str)]


def docstrings(source: str) -> list[Docstring]:
    """The docstrings a learner reads in a code cell (of the functions and classes outside
    solutions and hidden tests): they say what an exercise's function must do. Only
    triple-quoted ones, the only kind the chapters write."""
    try:
        tree = ast.parse(readable_source(source))
    except SyntaxError:
        return []
    lines = source.splitlines()
    shown = _shown_rows(lines)
    found = []
    for statement in docstring_statements(tree):
        literal = statement.value
        first, last = literal.lineno - 1, literal.end_lineno - 1
        opening = re.match(r'[rR]?("""|\'\'\')', lines[first][literal.col_offset:])
        if opening and all(row in shown for row in range(first, last + 1)):
            found.append(Docstring(first, last, literal.col_offset, literal.end_col_offset,
                                    opening.group(), inspect.cleandoc(literal.value)))
    return sorted(found, key=lambda d: d.first_row)


def units(nb: nbformat.NotebookNode) -> list[Unit]:
    """Every piece of a chapter's English a reader sees, in order."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.strip():
            found.append(Unit(cell.id, index, "markdown", cell.source))
        elif cell.cell_type == "code":
            found += [Unit(cell.id, index, "comment", comment.text)
                      for comment in comments(cell.source)]
            found += [Unit(cell.id, index, "docstring", docstring.text)
                      for docstring in docstrings(cell.source)]
    return found


def message_templates(nb: nbformat.NotebookNode, chapter: str) -> list[str]:
    """The templates of every `message(...)` call in a chapter's code cells (hidden tests
    included: a learner can see a hidden test's message in feedback). A template that is not
    a literal string cannot be looked up, so it is an error."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                       for line in cell.source.splitlines()))
        except SyntaxError:
            continue  # the chapter checks report a cell that does not parse
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "message":
                first = node.args[0] if node.args else None
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    raise CourseError(
                        f"{chapter}, cell {index + 1} (id {cell.id}), line {node.lineno}: "
                        "message() needs a literal template string (write the values as "
                        "{fields} and pass them by name), so that it can be translated")
                found.append(first.value)
    return found


# --- the catalogues --------------------------------------------------------------------------

def _new_catalogue(language: str, what: str) -> polib.POFile:
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "autograd-course",
        "Language": LANGUAGE_NAMES[language],
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Course-Content": what,
    }
    return po


def load(path: Path, language: str, what: str) -> polib.POFile:
    if not Path(path).exists():
        return _new_catalogue(language, what)
    try:
        return polib.pofile(str(path), wrapwidth=0)
    except (OSError, ValueError) as error:
        raise CourseError(f"{path}: not a readable gettext catalogue: {error}") from error


def _save(po: polib.POFile, path: Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    text = str(po)
    if not Path(path).exists() or Path(path).read_text(encoding="utf-8") != text:
        Path(path).write_text(text, encoding="utf-8")


def _merged(old: polib.POFile, wanted: list[tuple[str | None, str, str]], language: str,
            what: str) -> polib.POFile:
    """msgmerge: `wanted` is (msgctxt, msgid, note) in order; an entry whose context survives
    with other English keeps its translation, marked fuzzy, with the English it translated."""
    by_key = {(entry.msgctxt, entry.msgid): entry for entry in old if not entry.obsolete}
    by_context: dict[str | None, list[polib.POEntry]] = {}
    for entry in old:
        if not entry.obsolete and entry.msgstr:
            by_context.setdefault(entry.msgctxt, []).append(entry)
    current_keys = {(context, msgid) for context, msgid, _ in wanted}
    po = _new_catalogue(language, what)
    for context, msgid, note in wanted:
        kept = by_key.get((context, msgid))
        entry = polib.POEntry(msgctxt=context, msgid=msgid, comment=note,
                              msgstr=kept.msgstr if kept else "",
                              flags=list(kept.flags) if kept else [],
                              previous_msgid=kept.previous_msgid if kept else None)
        if kept is None and context is not None:
            # the cell's English changed: offer its old translation, marked fuzzy
            gone = [e for e in by_context.get(context, [])
                    if (e.msgctxt, e.msgid) not in current_keys]
            if len(gone) == 1:
                entry.msgstr, entry.flags = gone[0].msgstr, ["fuzzy"]
                entry.previous_msgid = gone[0].msgid
        po.append(entry)
    return po


def update(root: Path = REPO, language: str = "zh", only: list[str] | None = None,
           log=print) -> None:
    """`./course translate`: bring the catalogues of `language` in step with the English."""
    root = Path(root)
    templates: dict[str, str] = {CODE_STUB: "nbgrader's comment in an emptied answer cell"}
    for chapter in chapters(root):
        nb = read_notebook(source_notebook(root, chapter))
        for template in message_templates(nb, chapter):
            templates.setdefault(template, f"used in {chapter}")
        if only and chapter not in only:
            continue
        path = catalogue_path(root, language, chapter)
        wanted = [(unit.cell_id, unit.text, f"{chapter}, cell {unit.cell_index + 1}, {unit.kind}")
                  for unit in units(nb)]
        merged = _merged(load(path, language, chapter), wanted, language, chapter)
        _save(merged, path)
        log(f"{path.relative_to(root)}: {_counts(merged)}")
    path = messages_path(root, language)
    merged = _merged(load(path, language, "test messages"),
                     [(None, template, note) for template, note in templates.items()],
                     language, "test messages")
    _save(merged, path)
    log(f"{path.relative_to(root)}: {_counts(merged)}")


def _counts(po: polib.POFile) -> str:
    todo = sum(1 for e in po if not e.msgstr)
    fuzzy = sum(1 for e in po if e.msgstr and e.fuzzy)
    return f"{len(po)} entries, {todo} untranslated, {fuzzy} to check (fuzzy)"


# --- checks ----------------------------------------------------------------------------------

def _fields(template: str) -> list[str]:
    return sorted(f"{m.group(1)}{m.group(2) or ''}{m.group(3) or ''}"
                  for m in FIELD.finditer(template))


def _entry_problem(entry: polib.POEntry | None) -> str | None:
    if entry is None or not entry.msgstr.strip():
        return "no translation"
    if entry.fuzzy:
        return ("stale: the English changed since it was translated"
                + (f" (it translated: {_short(entry.previous_msgid)})"
                   if entry.previous_msgid else ""))
    if not CJK.search(entry.msgstr):
        return "the translation has no Chinese in it"
    return None


def _structure(markdown: str) -> tuple:
    """What a translation of a markdown cell keeps: its headings' levels, its `<details>`
    blocks (a reveal stays folded) and its code blocks, character for character."""
    headings = tuple(len(m.group(1)) for m in re.finditer(r"^(#+) ", markdown, re.MULTILINE))
    text = markdown.strip()
    folds = (markdown.count("<details"), markdown.count("</details>"),
             text.startswith("<details>"), text.endswith("</details>"))
    code = tuple(re.findall(r"^```.*?^```", markdown, re.MULTILINE | re.DOTALL))
    return headings, folds, code


def _markdown_problem(english: str, translated: str) -> str | None:
    mine, theirs = _structure(translated), _structure(english)
    for part, (a, b) in zip(("heading levels", "<details> tags", "code blocks"),
                            zip(mine, theirs)):
        if a != b:
            return f"the translation's {part} ({a}) are not the English's ({b})"
    return None


def _new_sentences(old: str, new: str) -> str:
    """The sentences of `new` that `old` does not have, quoted: what a translator must redo."""
    def sentences(text: str) -> list[str]:
        return [part for part in re.split(r"(?<=[.!?:])\s+|\n+", text) if part.strip()]
    before = set(sentences(old))
    return " ".join(repr(part) for part in sentences(new) if part not in before) or "(layout only)"


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def problems(root: Path = REPO, language: str = "zh", only: list[str] | None = None) -> list[str]:
    """Every missing, stale or broken translation, each naming the chapter, the cell and the
    English text; empty when the edition is complete."""
    root = Path(root)
    found = []
    used_templates: dict[str, str] = {}
    for chapter in chapters(root):
        nb = read_notebook(source_notebook(root, chapter))
        for template in message_templates(nb, chapter):
            used_templates.setdefault(template, chapter)
        if only and chapter not in only:
            continue
        path = catalogue_path(root, language, chapter)
        po = load(path, language, chapter)
        entries = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
        stale_contexts = {e.msgctxt: e for e in po if not e.obsolete}
        for unit in units(nb):
            entry = entries.get((unit.cell_id, unit.text))
            problem = _entry_problem(entry)
            if not problem and unit.kind == "markdown":
                problem = _markdown_problem(unit.text, entry.msgstr)
            english = _short(unit.text)
            if entry is None and unit.cell_id in stale_contexts:
                problem = ("stale: the English changed since it was translated (the catalogue "
                           "translates other English for this cell; run ./course translate)")
            translated_from = (entry.previous_msgid if entry is not None and entry.fuzzy
                               else stale_contexts[unit.cell_id].msgid
                               if entry is None and unit.cell_id in stale_contexts else None)
            if translated_from:
                english = f"{english!r}, changed: {_short(_new_sentences(translated_from, unit.text), 300)}"
            else:
                english = repr(english)
            if problem:
                found.append(f"{chapter}, cell {unit.cell_index + 1} (id {unit.cell_id}), "
                             f"{unit.kind}: {problem}. English: {english} "
                             f"[{path.relative_to(root)}]")
        texts = [(f"{chapter}, cell {unit.cell_index + 1} (id {unit.cell_id})",
                  entries[(unit.cell_id, unit.text)].msgstr)
                 for unit in units(nb) if unit.kind == "markdown"
                 and not _entry_problem(entries.get((unit.cell_id, unit.text)))]
        found += first_use_problems(texts, glossary(root))
    path = messages_path(root, language)
    po = load(path, language, "test messages")
    entries = {e.msgid: e for e in po if not e.obsolete}
    for template, chapter in [(CODE_STUB, "every chapter"), *used_templates.items()]:
        if only and chapter not in only and chapter != "every chapter":
            continue
        entry = entries.get(template)
        problem = _entry_problem(entry)
        if not problem and _fields(entry.msgstr) != _fields(template):
            problem = (f"the translation's fields {_fields(entry.msgstr)} are not the "
                       f"template's {_fields(template)}")
        if problem:
            found.append(f"{chapter}, test message: {problem}. English: {_short(template)!r} "
                         f"[{path.relative_to(root)}]")
    return found


# --- the glossary --------------------------------------------------------------------------

GLOSSARY_ROW = re.compile(r"^\|\s*([^|]*?[A-Za-z][^|]*?)\s*\|\s*([^|]*?[\u4e00-\u9fff][^|]*?)\s*\|\s*$")


def glossary(root: Path = REPO) -> dict[str, str]:
    """Chinese term -> English term, from the table of terms in docs/glossary.md (the ones
    whose first use in a chapter carries the English)."""
    path = Path(root) / GLOSSARY
    if not path.exists():
        raise CourseError(f"{path} is missing: the Chinese edition's terms are listed there")
    terms = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## Other words"):  # the vocabulary without the first-use rule
            break
        match = GLOSSARY_ROW.match(line)
        if match:
            terms[match.group(2)] = match.group(1)
    return terms


def first_use_problems(texts: list[tuple[str, str]], terms: dict[str, str]) -> list[str]:
    """The glossary's rule, over a chapter's translated text in order ((where, text) pairs): the
    first use of each term carries the English in parentheses, 叶子节点（leaf）. A term inside a
    longer one (梯度 in 梯度累加) is not a use of it."""
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))
    seen, found = set(), []
    for where, text in texts:
        text = re.sub(r"`[^`]*`", lambda m: " " * len(m.group()), text)  # code is not prose
        for match in pattern.finditer(text):
            term = match.group()
            if term in seen:
                continue
            seen.add(term)
            english = terms[term]
            after = text[match.end():match.end() + len(english) + 2].lower()
            if not (after.startswith("（" + english.lower()) or after.startswith("(" + english.lower())):
                found.append(f"{where}: the first use of {term} needs the English term after it, "
                             f"{term}（{english}）; it reads {text[match.start():match.end() + 12]!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    """`./course translate [chapter ...]`: merge the English into the catalogues, then list what
    is left to translate (exit status 1 while anything is)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="./course translate", description=main.__doc__)
    parser.add_argument("chapters", nargs="*", help="only these chapters (default: all)")
    parser.add_argument("--language", default="zh", choices=EDITIONS)
    parser.add_argument("--check", action="store_true",
                        help="only list what is missing or stale; change no file")
    args = parser.parse_args(argv)
    try:
        if not args.check:
            update(REPO, args.language, args.chapters or None)
        left = problems(REPO, args.language, args.chapters or None)
    except CourseError as error:
        print(error, file=sys.stderr)
        return 1
    for problem in left:
        print(problem)
    print(f"{len(left)} to translate or check" if left else "every text has a current translation")
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main())
