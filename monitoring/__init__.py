"""The service's watch on its own traffic: drift against the training reference, metrics, the report.

`drift` (PSI per profiled feature and of the probability, from the decision records), `monitor` (on
demand and in the background), `plots` (the charts of the report and of the page); ``python -m
monitoring report`` writes the drift report.
"""
