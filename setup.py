"""Package list for setuptools (everything else is in pyproject.toml).

Found rather than listed, so a new package under kb/ ships without an edit here; the two
data folders at the top of the checkout are mapped in as kb.bundled.* (see kb/bundled).
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["kb", "kb.*"]),
                "kb.bundled.schema", "kb.bundled.seed_data"])
