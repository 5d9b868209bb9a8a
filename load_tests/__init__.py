"""Load tests, benchmarks and the plain FastAPI reference server of the credit-scoring service.

Locust is imported only by the locustfiles, which always run in their own process (``python -m
locust``): importing locust monkey-patches the interpreter with gevent.
"""
