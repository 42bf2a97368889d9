"""nbgrader's configuration in the student view (./course open and Binder put this folder on
the Jupyter config path; the Validate button's handler reads nbgrader_config files from it).

Validate names each failing exercise and its points: see course_tools/validate_names.py.
"""

from course_tools.validate_names import name_failed_exercise

c = get_config()  # noqa: F821 -- traitlets defines get_config() when nbgrader loads this file

c.Execute.on_cell_error = name_failed_exercise
