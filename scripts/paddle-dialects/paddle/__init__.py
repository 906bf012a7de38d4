"""A stand-in for the `paddle` package: just enough for PaddleOCR's and PaddleDetection's optimizer files to import
and build their learning-rate schedules with Paddle's own `lr.py` (paddle/optimizer/lr.py). There is no framework
here: optimizers, regularizers and gradient clips are recorders that keep the arguments they were given, so the
reference script can report what the dialect files would have built."""

from . import nn, optimizer, regularizer  # noqa: F401
