"""The Great Expectations contract of incoming applications: built from training data, run per batch."""

from expectations.suite import SUITE_NAME, build_suite, load_suite, save_suite
from expectations.validator import BatchValidator, Failure

__all__ = ["SUITE_NAME", "BatchValidator", "Failure", "build_suite", "load_suite", "save_suite"]
