"""Stand-in for `paddle.optimizer`: the real `lr` module, and optimizer classes that record their arguments."""

from . import lr  # noqa: F401


class _Recorded:
    def __init__(self, **kwargs):
        self.kwargs = kwargs


class SGD(_Recorded):
    pass


class Momentum(_Recorded):
    pass


class Adam(_Recorded):
    pass


class AdamW(_Recorded):
    pass


class RMSProp(_Recorded):
    pass


class Adadelta(_Recorded):
    pass
