"""Feedback that keeps the course's secrets: the `KeepSecrets` preprocessor of `generate_feedback`.

nbgrader's feedback is the autograded notebook rendered as HTML. That notebook has the hidden
tests put back into every test cell and every cell's outputs, so by default a student's feedback
shows the source of every hidden test (nbgrader's issues #917 and #1363), tracebacks quoting
hidden lines, and whatever the kernel printed (outputs can carry anything the student's code saw).
A class's feedback files travel: next year's students would have the hidden tests, and a solved
notebook's feedback would be an answer key.

`KeepSecrets` runs after nbgrader's `GetGrades` (which puts each cell's score into its metadata)
and rebuilds the notebook that is rendered, keeping only what a student may see:

- a summary: the score of each test cell, passed or failed;
- each test cell's visible source, exactly the lines the student's release showed (the lines
  between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS` are left out), with one output
  written here: the points, passed or failed and, for a failure, why. The failing line is found
  in the error's traceback: IPython names the cell's frame `Cell In[<execution count>], line <n>`,
  and the outermost frame of the test cell's own execution count is the statement of the test
  cell that failed. If that line is visible, the exception's name and message are shown, with
  the line; if it is hidden, or cannot be found, a fixed sentence is shown instead, since the
  message of a hidden assertion may quote the hidden inputs;
- each answer cell as a placeholder (its score and the grader's comment, if any): a solved
  notebook's answers are the solution, and the student has them in their own notebook.

Nothing else goes in: no explanation or student-added cell, no output the kernel made, none of
the notebook's metadata. The message of a visible failure comes from the student's values, so it
is sanitised: ANSI escapes removed, any line that quotes a line of a hidden test or of a solution
(of any chapter in the course's source folder or in this repository's) dropped, and its length
bounded.

*In the student's language.* The feedback's own words (the summary, "passed", the fixed
sentences above) come from `TEXTS`, in the language of the edition graded: the source
notebook's (`editions.edition_language`; a translated submission is graded against its
edition's source, course_tools/grading.py). The test cells' visible source is that source's,
comments translated; a failure's message is what the kernel said, in that language too
(COURSE_LANG, course_messages).

`nbgrader_config.py` puts this preprocessor into `GenerateFeedback.preprocessors`, so plain
`nbgrader generate_feedback` and `./course grade` (which loads the same file) both use it.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat.notebooknode import NotebookNode
from nbgrader import utils as nbgrader_utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from traitlets import Integer, List

from course_tools.coursekit import (
    HIDDEN_BEGIN, HIDDEN_END, REPO, SOLUTION_BEGIN, SOLUTION_END, SOURCE_DIR,
)
from course_tools.editions import edition_language

# Lines shorter than this (stripped) are not treated as secret: `return out`, `)`, `pass`
# occur everywhere, and a message line quoting one gives nothing away.
MIN_SECRET_LENGTH = 10

HIDDEN_FAILURE = ("Your answer passed the visible tests and failed the hidden ones, which try "
                  "other inputs. Check that it works for any input, not only the visible cases.")
UNLOCATED_FAILURE = ("The test cell stopped with {ename} before it finished (for instance a time "
                     "limit, or a crash in your code); its message is not shown.")
STDERR_FAILURE = ("No assertion failed, but something was written to stderr while the test cell "
                  "ran (a warning from your code?), which nbgrader counts as a failure.")
SILENT_FAILURE = "The test cell did not earn its points."
ANSWER_PLACEHOLDER = ("Your answer to {name} is in your own notebook; the feedback does not "
                      "repeat answers.")

# Every word the feedback adds, in each edition's language (the one place to translate them).
TEXTS = {
    "en": {
        "heading": "# Feedback on {notebook}\n\nEach test cell of your notebook, its points and "
                   "why it failed, if it did. Hidden tests and answers are not shown.",
        "columns": "| test cell | points | result |",
        "passed": "passed", "failed": "failed",
        "passed points": "passed: {score} / {points} points",
        "failed points": "failed: {score} / {points} points",
        "hidden": HIDDEN_FAILURE, "unlocated": UNLOCATED_FAILURE, "stderr": STDERR_FAILURE,
        "silent": SILENT_FAILURE, "answer": ANSWER_PLACEHOLDER,
        "failing line": "The check that failed, line {line}:",
        "no message": "{ename} (no message)",
        "more lines": "... ({count} more lines not shown)",
        "cut": " ... (cut)",
        "dropped one": "(1 line of the message not shown: they quote the hidden tests or the "
                       "solution)",
        "dropped": "({count} lines of the message not shown: they quote the hidden tests or the "
                   "solution)",
    },
    "zh": {
        "heading": "# {notebook} 的反馈\n\n下面列出你的笔记本中每个测试单元格的得分；没有通过的，"
                   "也写明原因。隐藏测试和答案不会显示。",
        "columns": "| 测试单元格 | 得分 | 结果 |",
        "passed": "通过", "failed": "未通过",
        "passed points": "通过：{score} / {points} 分",
        "failed points": "未通过：{score} / {points} 分",
        "hidden": "你的答案通过了可见的测试，却没有通过隐藏测试（隐藏测试会换用别的输入）。"
                  "请检查它对任何输入都成立，而不只是对看得见的那几个例子。",
        "unlocated": "测试单元格还没运行完就因 {ename} 停下了（比如超出了时间限制，或者你的代码"
                     "崩溃了）；它的消息不予显示。",
        "stderr": "没有断言失败，但测试单元格运行时有内容写到了 stderr（也许是你的代码发出的警告？），"
                  "nbgrader 把这算作失败。",
        "silent": "这个测试单元格没有得分。",
        "answer": "你对 {name} 的答案在你自己的笔记本里；反馈不重复答案。",
        "failing line": "没有通过的检查，第 {line} 行：",
        "no message": "{ename}（没有消息）",
        "more lines": "……（还有 {count} 行未显示）",
        "cut": " ……（已截断）",
        "dropped one": "（消息中有 1 行未显示：它引用了隐藏测试或答案）",
        "dropped": "（消息中有 {count} 行未显示：它们引用了隐藏测试或答案）",
    },
}


def text(language: str, key: str, **fields) -> str:
    """One of the feedback's own sentences in `language` (English for one without a table)."""
    return TEXTS.get(language, TEXTS["en"])[key].format(**fields)


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
# IPython >= 8 names the frame of a cell `Cell In[<execution count>], line <line>`.
CELL_FRAME = re.compile(r"Cell In\s*\[(\d+)\],\s*line (\d+)")


# --------------------------------------------------------------------------------------------
# Which lines are secret


def hidden_mask(source: str) -> list[bool]:
    """For each line of a test cell's source, whether the student's release leaves it out: the
    marker lines and everything between them (nbgrader's ClearHiddenTests removes the same)."""
    mask, inside = [], False
    for line in source.splitlines():
        if HIDDEN_BEGIN in line:
            inside = True
            mask.append(True)
        elif HIDDEN_END in line:
            mask.append(True)
            inside = False
        else:
            mask.append(inside)
    return mask


def visible_source(source: str) -> str:
    """A test cell as the student's release shows it: its lines outside the hidden blocks."""
    lines = source.splitlines()
    kept = [line for line, hidden in zip(lines, hidden_mask(source)) if not hidden]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept)


def block_lines(source: str, begin: str, end: str) -> list[str]:
    """The lines strictly between each begin marker and the next end marker."""
    found, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            found.append(line)
    return found


def secret_lines_of(nb: NotebookNode) -> set[str]:
    """The stripped lines of a source notebook's hidden tests and solutions (short ones left
    out)."""
    secrets = set()
    for cell in nb.cells:
        for begin, end in ((HIDDEN_BEGIN, HIDDEN_END), (SOLUTION_BEGIN, SOLUTION_END)):
            secrets.update(line.strip() for line in block_lines(cell.source, begin, end))
    return {line for line in secrets if len(line) >= MIN_SECRET_LENGTH}


_SECRETS_CACHE: dict[tuple[str, int, int], set[str]] = {}


def secret_lines_in(source_directory: Path) -> set[str]:
    """The secret lines of every source notebook under source_directory (cached by file and
    modification time: one feedback run reads each source once)."""
    secrets: set[str] = set()
    for path in sorted(Path(source_directory).glob("*/*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in _SECRETS_CACHE:
            _SECRETS_CACHE[key] = secret_lines_of(nbformat.read(str(path), as_version=4))
        secrets |= _SECRETS_CACHE[key]
    return secrets


def sanitise(message: str, secrets: set[str], max_lines: int = 20,
             max_characters: int = 2000, language: str = "en") -> str:
    """A message fit for a student: ANSI escapes removed, every line that quotes a secret line
    dropped (and the drop said), at most max_lines lines and max_characters characters."""
    kept, dropped = [], 0
    for line in ANSI_ESCAPE.sub("", message).splitlines():
        if any(secret in line for secret in secrets):
            dropped += 1
        else:
            kept.append(line)
    if len(kept) > max_lines:
        kept = kept[:max_lines] + [text(language, "more lines", count=len(kept) - max_lines)]
    shown = "\n".join(kept)
    if len(shown) > max_characters:
        shown = shown[:max_characters] + text(language, "cut")
    if dropped:
        shown += "\n" + (text(language, "dropped", count=dropped) if dropped > 1
                         else text(language, "dropped one"))
    return shown


# --------------------------------------------------------------------------------------------
# Why a test cell failed


def failing_line(cell: NotebookNode, error: NotebookNode) -> int | None:
    """The 1-based line of the test cell whose statement raised: the outermost traceback frame
    of this cell's own execution (its execution count), or None when no such frame is found."""
    count = cell.get("execution_count")
    if count is None:
        return None
    for entry in error.get("traceback", []):
        for match in CELL_FRAME.finditer(ANSI_ESCAPE.sub("", entry)):
            if int(match.group(1)) == count:
                return int(match.group(2))
    return None


def explain_failure(cell: NotebookNode, secrets: set[str], max_lines: int = 20,
                    language: str = "en") -> str:
    """Why a test cell that did not earn its points failed, in words safe to show."""
    errors = [output for output in cell.get("outputs", []) if output.output_type == "error"]
    if not errors:
        if any(output.output_type == "stream" and output.get("name") == "stderr"
               for output in cell.get("outputs", [])):
            return text(language, "stderr")
        return text(language, "silent")
    error = errors[0]
    ename = sanitise(str(error.get("ename", "an error")), secrets, max_lines=1,
                     max_characters=80, language=language) or "an error"
    line = failing_line(cell, error)
    lines = cell.source.splitlines()
    mask = hidden_mask(cell.source)
    if line is None or not 1 <= line <= len(lines):
        return text(language, "unlocated", ename=ename)
    if mask[line - 1]:
        return text(language, "hidden")
    message = sanitise(str(error.get("evalue", "")), secrets, max_lines=max_lines,
                       language=language)
    shown = f"{ename}: {message}" if message.strip() else text(language, "no message",
                                                                 ename=ename)
    return (f"{shown}\n\n{text(language, 'failing line', line=line)}\n"
            f"    {lines[line - 1].strip()}")


# --------------------------------------------------------------------------------------------
# The preprocessor


def _points(cell: NotebookNode) -> tuple[float, float]:
    meta = cell.metadata.get("nbgrader", {})
    score = meta.get("score")
    return float(score or 0.0), float(meta.get("points") or 0.0)


def _number(value: float) -> str:
    return f"{value:g}"


class KeepSecrets(NbGraderPreprocessor):
    """Rebuild the autograded notebook into feedback that shows results, never secrets (see the
    module's docstring). Runs after GetGrades, which supplies each graded cell's score."""

    # nbconvert's HTMLExporter configures NbConvertBase.display_data_priority, which
    # NbGraderPreprocessor declares without config=True; declaring it configurable here (as
    # nbgrader's GetGrades does) keeps traitlets from warning on every notebook.
    display_data_priority = List(NbGraderPreprocessor.display_data_priority.default_value,
                                 help="Unused: KeepSecrets renders no outputs.").tag(config=True)

    max_message_lines = Integer(
        20, help="At most this many lines of a failure's message are shown.").tag(config=True)

    def preprocess(self, nb: NotebookNode,
                   resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        assignment, notebook = info["assignment"], info["notebook"]
        coursedir = CourseDirectory(config=self.config)
        source_directory = Path(coursedir.root) / coursedir.source_directory
        source = source_directory / assignment / f"{notebook}.ipynb"
        if not source.is_file():
            raise FileNotFoundError(
                f"KeepSecrets: the source notebook {source} is missing; feedback needs it to "
                "know the solution lines it must never quote")
        self.language = edition_language(nbformat.read(str(source), as_version=4))
        # Every chapter's secrets, not only this one's: a grading scratch course holds one
        # chapter's source, and a message may quote another chapter. The repository this
        # package was installed from has them all.
        secrets = secret_lines_in(source_directory) | secret_lines_in(REPO / SOURCE_DIR)
        for cell in nb.cells:
            if nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell):
                secrets |= {line.strip() for line, hidden in
                            zip(cell.source.splitlines(), hidden_mask(cell.source))
                            if hidden and len(line.strip()) >= MIN_SECRET_LENGTH}

        cells = [self._summary(nb, notebook)]
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell) \
                    and cell.cell_type == "code":
                cells.append(self._test_cell(cell, secrets))
            elif meta.get("solution") or meta.get("task") or meta.get("grade"):
                cells.append(self._placeholder(cell))
        nb.cells = cells
        nb.metadata = nbformat.NotebookNode(
            {key: nb.metadata[key] for key in ("kernelspec", "language_info")
             if key in nb.metadata})
        return nb, resources

    def _summary(self, nb: NotebookNode, notebook: str) -> NotebookNode:
        rows = []
        for cell in nb.cells:
            if nbgrader_utils.is_grade(cell):
                score, points = _points(cell)
                result = text(self.language, "passed" if score >= points else "failed")
                name = re.sub(r"[^\w-]", "?", str(cell.metadata.nbgrader.get("grade_id")))
                rows.append(f"| `{name}` | {_number(score)} / {_number(points)} | {result} |")
        table = "\n".join([text(self.language, "columns"), "|---|---|---|", *rows])
        return nbformat.v4.new_markdown_cell(
            text(self.language, "heading", notebook=notebook) + "\n\n" + table)

    def _test_cell(self, cell: NotebookNode, secrets: set[str]) -> NotebookNode:
        score, points = _points(cell)
        numbers = {"score": _number(score), "points": _number(points)}
        if score >= points:
            said = text(self.language, "passed points", **numbers)
        else:
            reason = explain_failure(cell, secrets, self.max_message_lines, self.language)
            said = text(self.language, "failed points", **numbers) + f"\n\n{reason}"
        shown = nbformat.v4.new_code_cell(visible_source(cell.source))
        shown.metadata["nbgrader"] = dict(cell.metadata["nbgrader"])
        shown.outputs = [nbformat.v4.new_output("stream", name="stdout", text=said + "\n")]
        return shown

    def _placeholder(self, cell: NotebookNode) -> NotebookNode:
        name = cell.metadata["nbgrader"].get("grade_id", "this exercise")
        said = text(self.language, "answer", name=name)
        if cell.cell_type == "code":
            shown = nbformat.v4.new_code_cell(f"# {said}")
        else:
            shown = nbformat.v4.new_markdown_cell(f"*{said}*")
        shown.metadata["nbgrader"] = dict(cell.metadata["nbgrader"])
        return shown


# What nbgrader_config.py sets as GenerateFeedback.preprocessors: nbgrader's own list with
# KeepSecrets after GetGrades.
FEEDBACK_PREPROCESSORS = [GetGrades, KeepSecrets, CSSHTMLHeaderPreprocessor]
