"""The training command: tuning, calibration, business-cost threshold, explainer, report, model bundle.

Run it with ``python -m train --help``; read a saved model with :class:`train.bundle.ModelBundle`.
"""
