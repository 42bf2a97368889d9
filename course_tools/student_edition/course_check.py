"""Check your answers: `./course check [--lang en|zh] [chapter ...]`, or `./course check --list`.

Runs each chapter notebook of notebooks/ in your edition (`<chapter>.ipynb` in English,
`<chapter>.zh.ipynb` in Chinese: --lang, else the one `./course open --lang` chose last, else
English) top to bottom in a fresh kernel, its test messages in that language, as the Validate
button in JupyterLab does, and says for every exercise whether its visible tests pass and, if
not, what they said. The notebooks are only read: nothing is written back. The hidden tests
that grading adds are not here; a green visible test means the answer is right for the cases it
tries.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT_SECONDS = 60
LANGUAGES = ("en", "zh")
LANGUAGE_FILE = ROOT / ".course-language"  # written by ./course open --lang


def notebook_name(chapter: str, language: str) -> str:
    return f"{chapter}.ipynb" if language == "en" else f"{chapter}.{language}.ipynb"


def chosen_language() -> str:
    """The edition `./course open --lang` chose last; English before any choice."""
    if LANGUAGE_FILE.is_file():
        language = LANGUAGE_FILE.read_text(encoding="utf-8").strip()
        if language in LANGUAGES:
            return language
    return "en"


def chapters(language: str = "en") -> list[str]:
    """The chapter folders of notebooks/ that hold their notebook in `language`, in order."""
    if not NOTEBOOKS.is_dir():
        return []
    return sorted(folder.name for folder in NOTEBOOKS.iterdir()
                  if (folder / notebook_name(folder.name, language)).is_file())


def is_test_cell(cell: nbformat.NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def check(chapter: str, language: str = "en") -> list[tuple[str, str | None]]:
    """Run one chapter in `language`; for each test cell, (its name, None if it passed, else
    why not)."""
    path = NOTEBOOKS / chapter / notebook_name(chapter, language)
    os.environ["COURSE_LANG"] = language  # the kernel's test messages (course_messages)
    nb = nbformat.read(str(path), as_version=4)
    # The kernel talks over local sockets in a temporary folder (transport "ipc"), not TCP:
    # nothing listens on the network, and ipykernel does not warn about unencrypted TCP.
    # The client starts the kernel and shuts it down at the end.
    with tempfile.TemporaryDirectory(prefix="course-check-") as sockets:
        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(Path(sockets) / "kernel")
        client = NotebookClient(nb, config=config, kernel_name="python3",
                                timeout=CELL_TIMEOUT_SECONDS, allow_errors=True,
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute()
    results = []
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        name = cell.metadata.nbgrader.get("grade_id", "a test cell")
        error = next((output for output in cell.outputs if output.output_type == "error"), None)
        stderr = any(output.output_type == "stream" and output.name == "stderr"
                     for output in cell.outputs)
        if error is not None:
            message = str(error.evalue).strip()
            results.append((name, f"{error.ename}: {message}" if message else error.ename))
        elif stderr:
            results.append((name, "it wrote to stderr (a warning?), which grading counts as a "
                                  "failure"))
        else:
            results.append((name, None))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./course check", description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="only these chapters (default: all)")
    parser.add_argument("--list", action="store_true", help="list the chapters and stop")
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help="the edition to check: en (<chapter>.ipynb) or zh "
                        "(<chapter>.zh.ipynb); default: the one ./course open chose last, else en")
    args = parser.parse_args(argv)
    language = args.lang or chosen_language()
    known = chapters(language)
    if args.list:
        print("\n".join(known))
        return 0
    unknown = [name for name in args.chapters if name not in known]
    if unknown:
        print(f"no such chapter in notebooks/ in the {language} edition: {', '.join(unknown)} "
              f"(./course check --list shows them)", file=sys.stderr)
        return 2
    all_passed = True
    for chapter in args.chapters or known:
        results = check(chapter, language)
        passed = sum(1 for _, problem in results if problem is None)
        label = chapter if language == "en" else f"{chapter} ({language})"
        print(f"{label}: {passed} of {len(results)} exercises pass their visible tests")
        for name, problem in results:
            if problem is not None:
                all_passed = False
                print(f"  {name}: {problem}")
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
