"""Stand-in for ppdet/core/workspace.py: `register` leaves a class as it is (there is no global workspace here), and
`serializable` does what PaddleDetection's does for YAML: a `!ClassName` tag on a mapping builds the class from the
mapping's keys (ppdet/core/config/yaml_helpers.py registers the same constructor)."""

import yaml


def register(cls):
    return cls


def serializable(cls):
    def construct(loader, node):
        return cls(**loader.construct_mapping(node, deep=True))

    yaml.add_constructor('!{}'.format(cls.__name__), construct, Loader=yaml.Loader)
    return cls
