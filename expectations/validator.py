"""Validate a whole batch of applications against the suite at once, and say which rows failed why.

Great Expectations costs about the same per call whatever the number of rows, and a lot per
expectation (a few milliseconds each: a suite over the 120 application columns takes several hundred
milliseconds), so the service validates the merged batch of many requests in one call and maps the
failures back to rows with ``unexpected_index_list``. The suite's plain range expectations (most of
it) are compiled into one long frame that one GX expectation checks (``expectations.ranges``), so
their cost no longer grows with the number of columns. Each frame is validated in two passes: all its
expectations with ``BOOLEAN_ONLY`` (the cheapest result format, about half the cost of ``COMPLETE``),
and only when something failed, the failed expectations again with ``COMPLETE`` to find the rows. GX
is not thread-safe (threads sharing a context return wrong results silently), so calls are serialised
by a lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import great_expectations as gx
import pandas as pd
from great_expectations.core.expectation_validation_result import ExpectationValidationResult
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.validator.v1_validator import Validator as SuiteValidator

from expectations.ranges import LONG_EXPECTATION, RANGE_TYPE, RangeChecks, compilable

__all__ = ["BatchValidator", "Failure"]


@dataclass(frozen=True)
class Failure:
    """One field of one row that broke the suite.

    Parameters
    ----------
    row : int
        Position of the row in the validated frame (0-based).
    column : str
        The field.
    message : str
        The problem in words, with the value and the rule.
    severity : {"critical", "warning"}
        The expectation's: a critical failure keeps the row from being scored, a warning does not.
    """

    row: int
    column: str
    message: str
    severity: str = "critical"


class BatchValidator:
    """Validates frames of applications against one expectation suite, one frame per call.

    Parameters
    ----------
    suite : dict
        The suite as JSON (``expectations.build_suite`` or a model bundle's ``suite``).
    compile_ranges : bool, default=True
        Check the suite's plain range expectations on one long frame (one GX expectation per call
        whatever the columns; same failures). False runs each as its own expectation, as GX would:
        for benchmarks and for checking that both agree.

    Attributes
    ----------
    last_seconds : float
        Wall time of the latest :meth:`validate` call (both passes), for metrics and benchmarks.
    """

    def __init__(self, suite: dict, *, compile_ranges: bool = True) -> None:
        self._suite = gx.ExpectationSuite(**suite)
        configs = [e.configuration for e in self._suite.expectations]
        #: suite positions of the ranges compiled into the long frame, and of the others
        compiled = [compile_ranges and compilable(config) for config in configs]
        self._compiled = [i for i, flag in enumerate(compiled) if flag]
        self._plain = [i for i, flag in enumerate(compiled) if not flag]
        self._ranges = RangeChecks([configs[i] for i in self._compiled])
        self._lock = threading.Lock()
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._batches = (context.data_sources.add_pandas("incoming")
                         .add_dataframe_asset("applications")
                         .add_batch_definition_whole_dataframe("batch"))
        self.last_seconds = 0.0

    @property
    def expectation_count(self) -> int:
        """int: how many expectations of the suite each call checks."""
        return len(self._suite.expectations)

    @property
    def columns(self) -> list[str]:
        """list of str: the columns the suite checks, in suite order, each once."""
        return list(dict.fromkeys(e.column for e in self._suite.expectations))

    def validate(self, frame: pd.DataFrame) -> list[Failure]:
        """Return every failure of the rows of `frame`, ordered by row then suite order.

        Parameters
        ----------
        frame : pd.DataFrame
            Applications in schema dtypes (``features.loaders.cast_to_schema``). Its index is ignored:
            rows are reported by position.

        Returns
        -------
        list of Failure
            Empty when every row passes.

        Raises
        ------
        ValueError
            If `frame` lacks a column the suite checks.
        """
        missing = [name for name in self.columns if name not in frame.columns]
        if missing:
            raise ValueError(f"frame lacks {len(missing)} column(s) the suite checks, e.g. {missing[:5]}; "
                             "cast it with features.loaders.cast_to_schema first")
        if not frame.index.equals(pd.RangeIndex(len(frame))):
            frame = frame.reset_index(drop=True)
        started = time.perf_counter()
        with self._lock:
            failures = self._plain_failures(frame)
            if self._compiled:
                failures += self._range_failures(frame)
        self.last_seconds = time.perf_counter() - started
        return [failure for _, failure in sorted(failures, key=lambda found: (found[1].row, found[0]))]

    def _plain_failures(self, frame: pd.DataFrame) -> list[tuple[int, Failure]]:
        """Run the uncompiled expectations on `frame`; return (suite position, failure) pairs."""
        expectations = [self._suite.expectations[i] for i in self._plain]
        results = self._two_passes(expectations, frame)
        return [(self._plain[at], failure) for at, result in results
                for failure in _failures(result, len(frame), expectations[at].severity.value)]

    def _range_failures(self, frame: pd.DataFrame) -> list[tuple[int, Failure]]:
        """Check the compiled ranges on `frame`'s long frame; return (suite position, failure) pairs."""
        long = self._ranges.melt(frame)
        if long.frame.empty:  # every checked value missing or excluded: nothing for GX to check
            return []
        checked = self._ranges.expectations
        severities = [self._suite.expectations[i].severity.value for i in self._compiled]
        found = []
        for _, result in self._two_passes([LONG_EXPECTATION], long.frame):
            if result.exception_info.get("raised_exception"):
                message = f"could not be checked ({result.exception_info.get('exception_message')})"
                return [(self._compiled[check], Failure(row, config.kwargs["column"], message))
                        for check, config in enumerate(checked) for row in range(len(frame))]
            found += result.result["unexpected_index_list"]
        failures = []
        for at in sorted(set(found)):
            row, check = int(long.rows[at]), int(long.checks[at])
            kwargs, severity = checked[check].kwargs, severities[check]
            value = frame.iat[row, frame.columns.get_loc(kwargs["column"])]
            failures.append((self._compiled[check], Failure(row, kwargs["column"],
                                                            _message(RANGE_TYPE, kwargs, value, severity),
                                                            severity)))
        return failures

    def _two_passes(self, expectations: list,
                    frame: pd.DataFrame) -> list[tuple[int, ExpectationValidationResult]]:
        """Return (position in `expectations`, COMPLETE result) of each expectation `frame` fails."""
        if not expectations:
            return []
        quick = self._run(expectations, frame, "BOOLEAN_ONLY")
        failed = [at for at, result in enumerate(quick.results) if not result.success]
        if not failed:
            return []
        detailed = self._run([expectations[at] for at in failed], frame, "COMPLETE")
        return list(zip(failed, detailed.results, strict=True))

    def _run(self, expectations: list, frame: pd.DataFrame, result_format: str):
        # The validator GX's ValidationDefinition.run uses: `get_batch(...).validate(...)` loaded the
        # batch twice (each load measures the frame's memory and hashes it), 0.4 of GX's ~2.7 ms.
        suite = gx.ExpectationSuite(name=self._suite.name, expectations=expectations)
        return SuiteValidator(self._batches, result_format=result_format,
                              batch_parameters={"dataframe": frame}).validate_expectation_suite(suite)


def _failures(result: ExpectationValidationResult, n_rows: int, severity: str) -> Iterable[Failure]:
    """Turn one failed expectation's COMPLETE result into one Failure per offending row."""
    config = result.expectation_config
    column = config.kwargs["column"]
    if result.exception_info.get("raised_exception"):
        message = f"could not be checked ({result.exception_info.get('exception_message')})"
        return [Failure(row, column, message) for row in range(n_rows)]
    details = result.result
    if "unexpected_index_list" not in details:  # a whole-column expectation, such as the dtype
        message = _message(config.type, config.kwargs, details.get("observed_value"), severity)
        return [Failure(row, column, message, severity) for row in range(n_rows)]
    return [Failure(int(row), column, _message(config.type, config.kwargs, value, severity), severity)
            for row, value in zip(details["unexpected_index_list"], details["unexpected_list"], strict=True)]


def _message(kind: str, kwargs: dict, value: object, severity: str) -> str:
    if kind == "expect_column_values_to_not_be_null":
        return "is missing; it is required"
    if kind == "expect_column_values_to_be_between":
        expected = _range_text(kwargs.get("min_value"), kwargs.get("max_value"))
        if severity == "warning":
            return (f"{value:g} is outside the range seen in training ({expected}, with a margin): scored "
                    "all the same; check the unit and the sign")
        return f"{value:g} is not possible: it should be {expected}"
    if kind == "expect_column_values_to_be_in_set":
        return f"{value!r} is not an allowed level; expected one of {', '.join(kwargs['value_set'])}"
    if kind == "expect_column_values_to_be_in_type_list":
        return f"has dtype {value}, expected {' or '.join(kwargs['type_list'])}"
    return f"{value!r} fails {kind}"


def _range_text(low: float | None, high: float | None) -> str:
    if low is None:
        return f"at most {high:g}"
    if high is None:
        return f"at least {low:g}"
    return f"between {low:g} and {high:g}"
