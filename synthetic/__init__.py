"""Realistic synthetic Home Credit data: the eight Kaggle tables, linked by their keys.

Uses the one schema of `features.schema`; nothing in `features/` imports this package. Run it with
``python -m synthetic --clients N --seed S --out DIR``.
"""

from synthetic.generate import DEFAULT_TEST_RATIO, generate_files, generate_tables, write_tables

__all__ = ["DEFAULT_TEST_RATIO", "generate_files", "generate_tables", "write_tables"]
