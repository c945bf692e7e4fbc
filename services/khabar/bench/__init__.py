"""Benchmarks that need more than one module: the pipeline on the real broker (`khabar bench pipeline`)."""
