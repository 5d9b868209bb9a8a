"""Tests of train/report.py: the HTML training report of the small run."""

import re

import pytest

from train.report import build_report


@pytest.fixture(scope="module")
def report(small_run):
    return build_report(small_run[0].evidence, title="Report <test>")


PLOTS = ["ROC", "Precision-recall", "Calibration", "Cost curve", "Tuning", "SHAP summary"]
SECTIONS = ["Headline metrics", "Class imbalance", "Tuning", "Model size", "Fairness"]


@pytest.mark.parametrize("plot", PLOTS)
def test_report_embeds_each_plot_as_png(report, plot):
    assert f'alt="{plot}" src="data:image/png;base64,iVBOR' in report


def test_report_is_self_contained(report):
    assert not re.search(r'src="(?!data:)', report)


def test_report_escapes_the_title(report):
    assert "<title>Report &lt;test&gt;</title>" in report


@pytest.mark.parametrize("section", SECTIONS)
def test_report_has_each_section(report, section):
    assert re.search(rf"<h2>{section}[^<]*</h2>", report)


def test_fairness_tables_list_every_group(report, small_run):
    for table in small_run[0].evidence.fairness.values():
        for group in table["groups"]:
            assert f"<td>{group['group'].replace('<', '&lt;')}</td>" in report
