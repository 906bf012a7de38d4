"""Stand-in for the gradient clips of `paddle.nn`: they record their arguments."""


class ClipGradByNorm:
    def __init__(self, clip_norm):
        self.clip_norm = clip_norm


class ClipGradByGlobalNorm:
    def __init__(self, clip_norm):
        self.clip_norm = clip_norm


class ClipGradByValue:
    def __init__(self, max, min=None):  # noqa: A002 (Paddle's argument names)
        self.max = max
        self.min = min
