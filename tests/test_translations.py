"""The Chinese edition stays in step with the English one (course_tools/translation.py).

Every markdown cell, learner-facing comment and test message has a current Chinese translation;
one English sentence changed makes the check name the stale Chinese cell; the catalogues merge
as gettext's msgmerge does; comments are translated without touching code; the glossary's
first-use rule is enforced. The releases themselves are checked like the English ones in
tests/test_chapters.py (each_edition), and graded in a mixed class in
tests/test_grading_editions.py. A chapter's test cell, run on a known wrong answer, fails with
the message of the learner's language, the translation taken from course_messages/zh.po.
"""

from __future__ import annotations

import nbformat
import polib
import pytest

import course_messages
from course_tools import coursekit, translation
from course_tools import editions as edition_tools
from course_tools.coursekit import CourseError, read_notebook, source_notebook, write_notebook

ROOT = coursekit.REPO
CHAPTER = "01_tensors_and_leaves"


def test_every_text_has_a_current_chinese_translation():
    problems = translation.problems(ROOT, "zh")
    assert not problems, (f"{len(problems)} texts of the Chinese edition are missing or stale "
                          "(edit translations/zh/*.po or course_messages/zh.po; "
                          "./course translate merges new English in):\n" + "\n".join(problems))


def test_the_glossary_has_the_standard_terms():
    terms = translation.glossary(ROOT)
    for chinese in ("叶子节点", "计算图", "反向传播", "雅可比矩阵", "向量-雅可比积", "梯度累加",
                    "原地操作", "版本计数器"):
        assert chinese in terms, f"docs/glossary.md lacks {chinese}"


def _translated_markdown(po: polib.POFile, nb) -> tuple[int, str]:
    """The index of the first markdown cell of nb whose translation is current."""
    current = {(e.msgctxt, e.msgid) for e in po if e.msgstr and not e.fuzzy}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and (cell.id, cell.source) in current:
            return index, cell.source
    pytest.fail(f"{CHAPTER} has no translated markdown cell")


def test_a_changed_english_sentence_names_the_stale_chinese_cell(tmp_path):
    course = coursekit.scratch_course(ROOT, tmp_path / "course", [CHAPTER], translations=True)
    path = source_notebook(course, CHAPTER)
    nb = read_notebook(path)
    po = polib.pofile(str(translation.catalogue_path(course, "zh", CHAPTER)))
    assert not [p for p in translation.problems(course, "zh", [CHAPTER]) if "markdown" in p]
    index, english = _translated_markdown(po, nb)
    changed = english.replace(".", ", as the maintainer now writes.", 1) if "." in english \
        else english + " A new sentence."
    nb.cells[index].source = changed
    write_notebook(nb, path)

    problems = [p for p in translation.problems(course, "zh", [CHAPTER]) if "markdown" in p]
    assert len(problems) == 1, problems
    assert f"{CHAPTER}, cell {index + 1} (id {nb.cells[index].id})" in problems[0]
    assert "stale" in problems[0] and "as the maintainer now writes" in problems[0]
    old_chinese = next(e.msgstr for e in po if e.msgctxt == nb.cells[index].id)
    release = edition_tools.translated_source(nb, translation.load(
        translation.catalogue_path(course, "zh", CHAPTER), "zh", CHAPTER), "zh")
    assert changed in [c.source for c in release.cells], "a stale cell must stay English"
    assert old_chinese not in [c.source for c in release.cells]

    translation.update(course, "zh", [CHAPTER], log=lambda line: None)
    entry = next(e for e in polib.pofile(str(translation.catalogue_path(course, "zh", CHAPTER)))
                 if e.msgctxt == nb.cells[index].id and e.msgid == changed)
    assert entry.fuzzy and entry.msgstr == old_chinese and entry.previous_msgid == english
    problems = [p for p in translation.problems(course, "zh", [CHAPTER]) if "markdown" in p]
    assert len(problems) == 1 and "stale" in problems[0] and nb.cells[index].id in problems[0]


def test_update_adds_new_text_and_drops_text_that_is_gone(tmp_path):
    course = coursekit.scratch_course(ROOT, tmp_path / "course", [CHAPTER], translations=True)
    path = source_notebook(course, CHAPTER)
    nb = read_notebook(path)
    gone = next(c for c in nb.cells if c.cell_type == "markdown")
    nb.cells.remove(gone)
    new = coursekit.nbformat.v4.new_markdown_cell("A cell the maintainer just wrote.")
    nb.cells.append(new)
    write_notebook(nb, path)
    translation.update(course, "zh", [CHAPTER], log=lambda line: None)
    po = polib.pofile(str(translation.catalogue_path(course, "zh", CHAPTER)))
    assert gone.id not in {e.msgctxt for e in po}
    entry = next(e for e in po if e.msgctxt == new.id)
    assert entry.msgid == new.source and entry.msgstr == "" and not entry.fuzzy
    problems = translation.problems(course, "zh", [CHAPTER])
    assert any(new.id in p and "no translation" in p and "A cell the maintainer" in p
               for p in problems), problems


CELL = '''\
# Run this cell, then look at x.
x = 1  # the first value
def f(y):
    """What f returns.

    Two lines about y.
    """
    # A block of two lines
    # about f.
    ### BEGIN SOLUTION
    # a comment inside the solution
    return y
    ### END SOLUTION
class K:
    """One line."""  # after a docstring
'''


def test_comments_and_docstrings_are_translated_and_code_is_not():
    found = translation.comments(CELL)
    assert [c.text for c in found] == ["Run this cell, then look at x.", "the first value",
                                       "A block of two lines\nabout f.", "after a docstring"]
    assert [d.text for d in translation.docstrings(CELL)] == [
        "What f returns.\n\nTwo lines about y.", "One line."]
    table = {"Run this cell, then look at x.": "运行这个单元格，然后看 x。",
             "the first value": "第一个值", "A block of two lines\nabout f.": "关于 f 的\n两行注释。",
             "What f returns.\n\nTwo lines about y.": "f 返回什么。\n\n关于 y 的两行。",
             "One line.": "一行。", "after a docstring": "在文档字符串之后"}
    out = edition_tools.translate_code(CELL, table)
    assert "# 运行这个单元格，然后看 x。" in out and "x = 1  # 第一个值" in out
    assert "    # 关于 f 的\n    # 两行注释。" in out
    assert '    """f 返回什么。\n\n    关于 y 的两行。\n    """' in out
    assert '    """一行。"""  # 在文档字符串之后' in out
    assert "# a comment inside the solution" in out
    assert edition_tools.code_without_comments(out) == edition_tools.code_without_comments(CELL)
    assert edition_tools.code_without_comments(out.replace("return y", "return -y")) != \
        edition_tools.code_without_comments(CELL), "a change of code is seen"


def test_a_message_template_must_be_a_literal():
    nb = coursekit.nbformat.v4.new_notebook()
    nb.cells = [coursekit.nbformat.v4.new_code_cell('assert x, message(f"got {x}")')]
    with pytest.raises(CourseError, match=r"ch, cell 1 .* literal template"):
        translation.message_templates(nb, "ch")
    nb.cells = [coursekit.nbformat.v4.new_code_cell('assert x, message("got {x}", x=x)')]
    assert translation.message_templates(nb, "ch") == ["got {x}"]


def test_the_first_use_of_a_term_carries_the_english():
    terms = {"叶子节点": "leaf", "梯度": "gradient", "梯度累加": "gradient accumulation"}
    good = [("c1", "叶子节点（leaf）的梯度累加（gradient accumulation）和梯度（gradient）。叶子节点")]
    assert translation.first_use_problems(good, terms) == []
    bad = [("c1", "梯度累加（gradient accumulation）"), ("c2", "`梯度` 叶子节点的梯度（gradient）")]
    problems = translation.first_use_problems(bad, terms)
    assert len(problems) == 1 and problems[0].startswith("c2: the first use of 叶子节点")


def test_a_translation_keeps_the_markdown_structure():
    english = "## 2. Title\n\n<details><summary>Why</summary>\n\ntext\n\n</details>"
    assert translation._markdown_problem(english, "## 2. 标题\n\n<details><summary>为什么"
                                         "</summary>\n\n文字\n\n</details>") is None
    assert "heading" in translation._markdown_problem(english, "### 2. 标题\n<details></details>")
    assert "details" in translation._markdown_problem(english, "## 2. 标题\n\n文字")


def test_the_chinese_release_sets_its_language_and_keeps_the_english_ids():
    release = read_notebook(coursekit.release_notebook(ROOT, CHAPTER).with_name(
        edition_tools.release_name(CHAPTER, "zh")))
    english = read_notebook(coursekit.release_notebook(ROOT, CHAPTER))
    assert edition_tools.edition_language(release) == "zh"
    assert edition_tools.edition_language(english) == "en"
    first_code = next(c for c in release.cells if c.cell_type == "code")
    assert first_code.id == edition_tools.LANGUAGE_CELL_ID
    assert 'course_messages.use("zh")' in first_code.source
    assert edition_tools.check_same_code(english, release, CHAPTER) == []


# --- test messages in the learner's language --------------------------------------------------


def _test_cell(grade_id: str) -> str:
    """The visible source of a test cell of chapter 1's release."""
    nb = nbformat.read(coursekit.release_notebook(coursekit.REPO, CHAPTER), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell.source
    raise AssertionError(f"{CHAPTER} has no cell {grade_id}")


def _failure(grade_id: str, answers: dict) -> str:
    """The message of the AssertionError a test cell raises with `answers` in place."""
    with pytest.raises(AssertionError) as raised:
        exec(compile(_test_cell(grade_id), grade_id, "exec"), dict(answers))
    return str(raised.value)


def _chinese(template: str) -> str:
    """The catalogue's translation of `template` (translated and not fuzzy)."""
    entries = {entry.msgid: entry for entry in
               polib.pofile(str(course_messages.catalogue_path("zh")))}
    entry = entries.get(template)
    assert entry is not None and entry.msgstr and not entry.fuzzy, (
        f"course_messages/zh.po has no current translation of {template!r}")
    return entry.msgstr


@pytest.fixture
def language(monkeypatch):
    """`course_messages.use`, with the language chosen before the test restored after it."""
    monkeypatch.setattr(course_messages, "_chosen", course_messages._chosen)
    return course_messages.use


WRONG_FREEZE = "def freeze(params, keep):\n    return params\n"
FREEZE_TEMPLATE = ("freeze returned {returned_type}; expected None (it works in place). "
                   "Hint: no return statement is needed.")


def test_a_test_cell_fails_in_the_learners_language(language):
    answers = {}
    exec(WRONG_FREEZE, answers)
    language("zh")
    chinese = _failure("ex6_freeze_tests", answers)
    assert chinese == _chinese(FREEZE_TEMPLATE).format(returned_type="dict")
    assert "提示" in chinese
    language("en")
    english = _failure("ex6_freeze_tests", answers)
    assert english == FREEZE_TEMPLATE.format(returned_type="dict")
    assert "提示" not in english


def test_hints_put_together_are_translated_clause_by_clause(language):
    # x and w predicted wrong: two hints of the table, joined by a template of their own
    answers = {"predicted_grads": {"x": 0.0, "w": 2.0, "b": 1.0}}
    template = ("Expected what backward() stores in each .grad; your prediction for {names} is "
                "off. Hint: {hint}")
    x_hint = ("x is data: does it require grad, and which tensors does backward() fill "
              "(section 5)?")
    w_hint = ("the derivative of x * w + b with respect to w is the factor that multiplies w, "
              "not the value of w.")
    joined = "{hint} And {next_hint}"
    language("zh")
    hint = _chinese(joined).format(hint=_chinese(x_hint), next_hint=_chinese(w_hint))
    assert _failure("ex4_line_grads_tests", answers) == \
        _chinese(template).format(names="x.grad, w.grad", hint=hint)
    language("en")
    assert _failure("ex4_line_grads_tests", answers) == template.format(
        names="x.grad, w.grad", hint=joined.format(hint=x_hint, next_hint=w_hint))


def test_messages_are_english_unless_a_language_is_chosen(language, monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    language("zh")
    assert course_messages.language() == "zh"
    monkeypatch.setattr(course_messages, "_chosen", None)
    assert course_messages.language() == "en"
    assert course_messages.message(FREEZE_TEMPLATE, returned_type="list") == \
        FREEZE_TEMPLATE.format(returned_type="list")
