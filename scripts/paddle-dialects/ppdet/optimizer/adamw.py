"""Stand-in for ppdet/optimizer/adamw.py (layer-wise AdamW needs the framework; no dialect case uses it)."""


class AdamWDL:
    pass


def build_adamwdl(*args, **kwargs):
    raise NotImplementedError('AdamWDL needs the framework')
