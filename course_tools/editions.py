"""The other editions of the course, made from the English one and its translations.

`translated_source()` applies a chapter's catalogue (course_tools/translation.py) to its source
notebook: each markdown cell, comment and docstring with a current translation replaced, and a
first code cell that shows the test messages in the edition's language. `./course release`
releases that with nbgrader beside the English release (`notebooks/<chapter>/<chapter>.zh.ipynb`,
`release_translations`); grading uses it as the source of a Chinese submission
(`translated_course`); the tests run the chapter checks on it (`edition_course`) and check that
it runs the English code (`check_same_code`). Text without a current translation stays English.
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from pathlib import Path

import nbformat
import polib

from course_tools.coursekit import (
    CHAPTER_GLOB, SOURCE_DIR, CourseError, chapters, finish_release, nbgrader, read_notebook,
    release_notebook, source_notebook, write_notebook,
)
from course_tools.translation import (
    CODE_STUB, EDITIONS, TRANSLATIONS_DIR, Docstring, catalogue_path, comments,
    docstring_statements, docstrings, load, messages_path, readable_source,
)

# The cell a translated edition starts its code with: test messages in its language.
LANGUAGE_CELL_ID = "course-language"


def release_name(chapter: str, language: str) -> str:
    return f"{chapter}.ipynb" if language == "en" else f"{chapter}.{language}.ipynb"


def _docstring_literal(docstring: Docstring, translated: str, indent: str) -> list[str]:
    """The source lines of a docstring literal holding `translated`, quoted as the English."""
    quotes = docstring.prefix.lstrip("rR")
    if quotes in translated or translated.endswith(quotes[0]):
        raise CourseError(f"a docstring's translation cannot hold {quotes}: {translated!r}")
    if not docstring.prefix[0] in "rR":
        translated = translated.replace("\\", "\\\\")
    body = translated.splitlines() or [""]
    if len(body) == 1 and docstring.first_row == docstring.last_row:
        return [docstring.prefix + body[0] + quotes]
    return ([docstring.prefix + body[0]] + [(indent + line).rstrip() for line in body[1:]]
            + [indent + quotes])


def translate_code(source: str, table: dict[str, str]) -> str:
    """A code cell with each comment and docstring that `table` translates replaced, the last
    first, so that the places found in the English stay right."""
    lines = source.splitlines()
    pieces = [(c.first_row, c.column, c) for c in comments(source)] + \
        [(d.first_row, d.start, d) for d in docstrings(source)]
    for _, _, piece in sorted(pieces, key=lambda p: p[:2], reverse=True):
        translated = table.get(piece.text)
        if not translated:
            continue
        if isinstance(piece, Docstring):
            before = lines[piece.first_row][:piece.start]
            after = lines[piece.last_row][piece.end:]
            literal = _docstring_literal(piece, translated, " " * piece.start)
            literal[0] = before + literal[0]
            literal[-1] = literal[-1] + after
            lines[piece.first_row:piece.last_row + 1] = literal
        elif piece.inline:
            row = piece.first_row
            lines[row] = lines[row][:piece.column] + "# " + " ".join(translated.splitlines())
        else:
            indent = lines[piece.first_row][:piece.column]
            lines[piece.first_row:piece.last_row + 1] = [
                (indent + "# " + line).rstrip() for line in translated.splitlines()]
    return "\n".join(lines)


def translated_source(nb: nbformat.NotebookNode, po: polib.POFile,
                      language: str) -> nbformat.NotebookNode:
    """A copy of a chapter's source notebook in `language`: each markdown cell and comment with a
    current translation replaced by it, and a first code cell that shows test messages in
    `language`. Code, metadata and cell ids are the English source's."""
    nb = nbformat.from_dict(nb)  # a deep copy
    current = {(e.msgctxt, e.msgid): e.msgstr for e in po
               if e.msgstr and not e.fuzzy and not e.obsolete}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = current.get((cell.id, cell.source), cell.source)
        elif cell.cell_type == "code":
            table = {msgid: text for (context, msgid), text in current.items()
                     if context == cell.id}
            if table:
                cell.source = translate_code(cell.source, table)
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    language_cell = nbformat.v4.new_code_cell(
        f'import course_messages\ncourse_messages.use("{language}")')
    language_cell.id = LANGUAGE_CELL_ID
    language_cell.metadata = {"editable": False, "deletable": False,
                              "skip_parity": "sets the language of the test messages"}
    nb.cells.insert(first_code, language_cell)
    nb.metadata["course"] = {"language": language}
    return nb


def edition_language(nb: dict, unknown: str = "en") -> str:
    """The edition a notebook (a release, or a student's copy of one, as read from its JSON)
    belongs to, by its metadata; `unknown` when the metadata does not say."""
    metadata = nb.get("metadata")
    course = metadata.get("course") if isinstance(metadata, dict) else None
    language = course.get("language") if isinstance(course, dict) else None
    return language if language in ("en", *EDITIONS) else unknown


def code_stub(root: Path, language: str) -> str:
    """nbgrader's stub for an emptied answer cell, its comment in `language`."""
    entry = {e.msgid: e for e in load(messages_path(root, language), language,
                                       "test messages")}.get(CODE_STUB)
    comment = entry.msgstr if entry is not None and entry.msgstr and not entry.fuzzy \
        else CODE_STUB
    return f"# {comment}\nraise NotImplementedError()"


def translated_course(root: Path, destination: Path, language: str,
                      chapter_names: list[str] | None = None) -> Path:
    """A scratch nbgrader course whose sources are the chapters in `language` (same cell ids,
    grade ids, points and code as the English ones) and whose nbgrader empties answer cells
    with the stub's comment in that language. Grading a submission of that edition uses it."""
    root, destination = Path(root), Path(destination)
    (destination / SOURCE_DIR).mkdir(parents=True, exist_ok=True)
    config = (root / "nbgrader_config.py").read_text(encoding="utf-8")
    (destination / "nbgrader_config.py").write_text(
        config + f"\n# The {language} edition (course_tools/translation.py)\n"
        f"c.ClearSolutions.code_stub = {{'python': {code_stub(root, language)!r}}}\n",
        encoding="utf-8")
    for chapter in chapters(root) if chapter_names is None else chapter_names:
        folder = root / SOURCE_DIR / chapter
        shutil.copytree(folder, destination / SOURCE_DIR / chapter,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__",
                                                      "*.ipynb"))
        po = load(catalogue_path(root, language, chapter), language, chapter)
        write_notebook(translated_source(read_notebook(source_notebook(root, chapter)), po,
                                         language),
                       destination / SOURCE_DIR / chapter / f"{chapter}.ipynb")
    return destination


def editions(root: Path) -> list[str]:
    """The languages besides English that a course root has translations for."""
    return [language for language in EDITIONS
            if (Path(root) / TRANSLATIONS_DIR / language).is_dir()]


def release_translations(root: Path, chapter_names: list[str]) -> None:
    """Release each chapter in every translated edition, with nbgrader as the English one, to
    `notebooks/<chapter>/<chapter>.<language>.ipynb`, beside the English release."""
    root = Path(root)
    for language in editions(root):
        with tempfile.TemporaryDirectory(prefix=f"release-{language}-") as scratch:
            course = translated_course(root, Path(scratch) / "course", language, chapter_names)
            nbgrader(course, "generate_assignment",
                     chapter_names[0] if len(chapter_names) == 1 else CHAPTER_GLOB, "--force")
            for chapter in chapter_names:
                made = release_notebook(course, chapter)
                finish_release(made)
                target = release_notebook(root, chapter).with_name(release_name(chapter, language))
                shutil.copy2(made, target)


def edition_course(root: Path, destination: Path, language: str) -> Path:
    """A course root holding one edition as if it were the only one: the translated sources in
    solutions/ and that edition's releases in notebooks/ under the English file names, so that
    every check of coursekit runs on it unchanged (tests/test_chapters.py)."""
    root, destination = Path(root), Path(destination)
    translated_course(root, destination, language)
    for chapter in chapters(root):
        made = release_notebook(root, chapter).with_name(release_name(chapter, language))
        if made.exists():
            target = release_notebook(destination, chapter)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(made, target)
    return destination


def code_without_comments(source: str) -> str:
    """What a code cell runs: its syntax tree without docstrings (comments and layout are not
    in it), with its magic lines."""
    magics = [line.strip() for line in source.splitlines() if line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse(readable_source(source))
    except SyntaxError:
        return source  # compared as it is
    for statement in docstring_statements(tree):
        statement.value = ast.Constant("")
    return ast.dump(tree) + "\n".join(magics)


def _grading_metadata(cell: nbformat.NotebookNode) -> dict:
    """A cell's nbgrader metadata but its checksum, which covers the (translated) text."""
    return {k: v for k, v in cell.metadata.get("nbgrader", {}).items() if k != "checksum"}


def check_same_code(english: nbformat.NotebookNode, translated: nbformat.NotebookNode,
                    where: str) -> list[str]:
    """A translated notebook runs exactly the English one's code: the same cells in the same
    order with the same ids, nbgrader metadata and tokens (only comments differ), plus its
    language cell."""
    cells = [c for c in translated.cells if c.get("id") != LANGUAGE_CELL_ID]
    if len(cells) != len(english.cells):
        return [f"{where}: {len(cells)} cells besides the language cell; the English has "
                f"{len(english.cells)}"]
    problems = []
    for index, (mine, theirs) in enumerate(zip(cells, english.cells)):
        label = f"{where}, cell {index + 1} (id {theirs.get('id')})"
        if (mine.cell_type, mine.get("id")) != (theirs.cell_type, theirs.get("id")):
            problems.append(f"{label}: a {mine.cell_type} cell with id {mine.get('id')} "
                            f"stands where the English has a {theirs.cell_type} cell")
        elif _grading_metadata(mine) != _grading_metadata(theirs):
            problems.append(f"{label}: nbgrader metadata differs from the English")
        elif mine.cell_type == "code" and \
                code_without_comments(mine.source) != code_without_comments(theirs.source):
            problems.append(f"{label}: its code differs from the English (only comments and "
                            "docstrings may)")
    return problems
