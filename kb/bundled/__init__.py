"""The files the code reads at run time: the model (schema/) and the seed data (seed_data/).

In the source checkout they live at the top of the repository, where curators edit them.
A wheel carries them inside this package instead (pyproject.toml maps both folders to
`kb.bundled.schema` and `kb.bundled.seed_data`), so an installed `kb` needs no checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

# the repository root when running from the checkout (plain or editable install)
CHECKOUT = Path(__file__).resolve().parent.parent.parent

Folder = Literal["schema", "seed_data"]


def data_dir(name: Folder) -> Path:
    """The folder `name` as shipped in the wheel, else the checkout's top-level one."""
    packaged = files(__name__) / name
    # installed from a wheel the package is a plain directory, so this is a real Path
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return CHECKOUT / name


def is_checkout() -> bool:
    """True when running from the source checkout (which has tools/ and the local Neo4j)."""
    return data_dir("schema") == CHECKOUT / "schema"
