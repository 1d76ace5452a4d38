"""Build hook: ship ``data/`` and ``ontology/`` inside the wheel as ``nibs_graph/resources``.

The top-level folders stay where curators and users expect them; the installed package carries a copy, so
``pip install .`` answers queries outside the checkout.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
SHIPPED = {"data": ("*.csv", "*.md", "optional/*.csv"), "ontology": ("*.ttl",), "queries": ("*.rq",)}


class BuildWithResources(build_py):
    """Copy the shipped evidence base, ontology and example queries into the built package."""

    def run(self) -> None:
        super().run()
        target_root = Path(self.build_lib) / "nibs_graph" / "resources"
        for folder, patterns in SHIPPED.items():
            for pattern in patterns:
                for source in (HERE / folder).glob(pattern):
                    target = target_root / folder / source.relative_to(HERE / folder)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildWithResources})
