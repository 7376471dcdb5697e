"""Where the reference data shipped with the package lives: `repertoire/data/`, beside this module.

Resolved from the package's own folder, so an installed copy (`pip install .`, not editable) reads
its own files whatever the current folder is. The scripts that rebuild these files
(`repertoire/data/build_*.py`) stay in the repository and are not installed.
"""
from __future__ import annotations

from pathlib import Path

DATA: Path = Path(__file__).resolve().parent / "data"
