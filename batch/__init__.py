"""Portfolio scoring: every application of a Kaggle-layout folder, in this process or on a Dask cluster.

``python -m batch --data-dir DIR --out scores.parquet`` (see ``batch.__main__``). The same checks as
the API's (its request model, the model's expectations), the same feature code and the same
calibrated model as the service (``serving.scoring.Scorer``): an application gets the same
probability from ``POST /predict`` and from here.
"""
