"""The whole-path benchmarks: data, features, validation, training, serving and the advisor page.

One module per thing measured, each run as ``python -m benchmarks.<module>``; all time, measure peak
memory and write their results under ``results/`` the same way (`benchmarks.measure`). Nothing in the
product imports this package.
"""
