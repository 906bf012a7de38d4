"""Stand-in for ppdet/utils/logger.py."""

import logging


def setup_logger(name):
    return logging.getLogger(name)
