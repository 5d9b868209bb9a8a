"""The long frame's expectation: GX's range check, its configuration built once."""

import great_expectations as gx
import numpy as np
import pandas as pd
import pytest

from expectations.ranges import LONG_EXPECTATION, ExpectSlackToBeAtLeastZero, _condition_rows


def validate(expectation, frame: pd.DataFrame):
    batch = (gx.get_context(mode="ephemeral").data_sources.add_pandas("p").add_dataframe_asset("a")
             .add_batch_definition_whole_dataframe("b").get_batch(batch_parameters={"dataframe": frame}))
    return batch.validate(expectation, result_format="COMPLETE")


def test_configuration_is_the_one_gx_builds_and_is_kept():
    fresh = ExpectSlackToBeAtLeastZero(column="slack", min_value=0)
    plain = gx.expectations.ExpectColumnValuesToBeBetween(column="slack", min_value=0)
    assert fresh.configuration.kwargs == plain.configuration.kwargs
    assert fresh.configuration.type == "expect_slack_to_be_at_least_zero"
    assert fresh.configuration is fresh.configuration


def test_fields_cannot_change_under_the_kept_configuration():
    with pytest.raises(TypeError):
        LONG_EXPECTATION.min_value = 1


def test_reports_the_rows_the_range_check_reports():
    frame = pd.DataFrame({"slack": [0.0, -1.0, 2.0, None, -0.5]})
    ours = validate(ExpectSlackToBeAtLeastZero(column="slack", min_value=0), frame)
    plain = validate(gx.expectations.ExpectColumnValuesToBeBetween(column="slack", min_value=0), frame)
    assert not ours.success
    assert ours.result["unexpected_index_list"] == plain.result["unexpected_index_list"] == [1, 4]


@pytest.mark.parametrize("condition", ["DAYS_EMPLOYED != 365243", "DAYS_EMPLOYED != -5",
                                       "DAYS_EMPLOYED != 365243 and DAYS_BIRTH < -100"])
def test_row_conditions_keep_the_rows_pandas_query_keeps(condition):
    frame = pd.DataFrame({"DAYS_EMPLOYED": np.array([365243, -5, np.nan, 0, 365243.5], dtype=np.float32),
                          "DAYS_BIRTH": np.array([-50, -200, -300, -400, -500], dtype=np.float32)})
    kept = frame.index.isin(frame.query(condition).index)
    assert (_condition_rows(frame, condition) == kept).all()
