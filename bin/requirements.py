"""Print the pinned requirements from pyproject.toml, one a line, for pip install -r.

The app is not a package to install, only its dependencies; `requirements.py dev` adds
the development and test tools.
"""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())[
    "project"
]
requirements = list(project["dependencies"])
for extra in sys.argv[1:]:
    requirements += project["optional-dependencies"][extra]
print("\n".join(requirements))
