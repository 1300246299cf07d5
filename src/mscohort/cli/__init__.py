"""The ``mscohort`` command line: a thin adapter over the pipeline stages."""
