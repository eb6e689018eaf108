"""Benchmarks: aiodeploy against the official client and against the floor."""
