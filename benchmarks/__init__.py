"""Cost and throughput benchmarks of the product, run against in-process moto.

`python -m benchmarks [--quick]`: see benchmarks/README.md for what each figure means.
"""
