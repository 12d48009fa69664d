"""`make bench`: the library against baselines measured in the same run (see run.py)."""
