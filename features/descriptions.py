"""The catalogue of model features: names in model order, plain-language labels and raw sources.

Built from the same declarations that compute the features, so every feature the builder makes has a
description and no description outlives its feature.
"""

from __future__ import annotations

import functools
from types import ModuleType

from features import application, bureau, combined, credit_card, installments, pos_cash, previous
from features.aggregate import FeatureInfo

__all__ = ["HISTORY_FAMILIES", "FeatureInfo", "feature_description", "feature_info", "feature_names"]

#: The history feature families, in the order their columns follow the application features (the
#: combined features come last). Each module has ``FAMILY``, ``TABLES``, ``compute(tables)`` and
#: ``descriptions()``.
HISTORY_FAMILIES: tuple[ModuleType, ...] = (bureau, previous, pos_cash, installments, credit_card)


@functools.cache
def _catalogue() -> dict[str, FeatureInfo]:
    infos = dict(application.descriptions())
    for family in HISTORY_FAMILIES:
        part = family.descriptions()
        clash = infos.keys() & part.keys()
        assert not clash, f"feature names used by two families: {sorted(clash)}; this is a bug"
        infos.update(part)
    infos.update(combined.descriptions(infos))
    return infos


def feature_names() -> list[str]:
    """Return every model feature name, in the column order of the built feature frame."""
    return list(_catalogue())


def feature_info(name: str) -> FeatureInfo:
    """Return what the feature called `name` means: description, family and raw sources.

    Raises
    ------
    KeyError
        If `name` is not a model feature; the message says where to find the names.
    """
    try:
        return _catalogue()[name]
    except KeyError:
        raise KeyError(f"unknown feature {name!r}; features.descriptions.feature_names() lists the "
                       f"{len(_catalogue())} model features") from None


def feature_description(name: str) -> str:
    """Return the plain-language description of the feature called `name`.

    Examples
    --------
    >>> feature_description("INSTAL_L12M_DPD_MEAN")
    "Average days past due on the instalment, over the client's instalments due in the last 365 days"

    Raises
    ------
    KeyError
        If `name` is not a model feature.
    """
    return feature_info(name).description
