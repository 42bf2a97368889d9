"""nbgrader's configuration for this course.

Every `nbgrader` command reads this file when it runs from the repository root; `./course` and
the tests always run nbgrader from the course root. The course layout, one folder per chapter:

    solutions/<chapter>/<chapter>.ipynb   source: solutions and hidden tests (nbgrader's "source")
    notebooks/<chapter>/<chapter>.ipynb   student version, generated, never edited by hand ("release")
    submitted/<student>/<chapter>/        students' work, autograded/ and feedback/ beside it,
    gradebook.db, downloaded/, grades.csv instructors' data: ignored by git

The instructors' commands are in README.md ("For instructors").
"""

c = get_config()  # noqa: F821 -- traitlets defines get_config() when nbgrader loads this file

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"

# Only used by the exchange commands (release_assignment / fetch_assignment / submit / collect)
# of a JupyterHub deployment; the local workflow in the README never needs it.
c.CourseDirectory.course_id = "autograd-course"

# `nbgrader zip_collect <chapter>` files what an LMS hands back. Put the students' notebooks (or
# zip files of them) in downloaded/<chapter>/archive/, each named <student>_<chapter>.ipynb, for
# example alice_01_tensors_and_leaves.ipynb. The pattern is matched against the full path; the
# student id is everything before the first "_NN_" of the chapter name.
c.FileNameCollectorPlugin.named_regexp = (
    r".*/(?P<student_id>[^/]+?)_(?P<file_id>\d\d_\w+\.ipynb)$"
)

# Feedback shows each test cell's points, pass or fail and the visible failure's message, never
# the hidden tests, the solutions or any cell's outputs (nbgrader's default shows all three).
# `./course grade` loads this file too, so both give the same feedback (course_tools/feedback.py).
from course_tools.feedback import FEEDBACK_PREPROCESSORS  # noqa: E402

c.GenerateFeedback.preprocessors = list(FEEDBACK_PREPROCESSORS)
c.HTMLExporter.exclude_input_prompt = True  # no empty "In [ ]:" beside each cell
