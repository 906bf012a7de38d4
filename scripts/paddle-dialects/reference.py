#!/usr/bin/python3
"""Reference LR values (and optimizer arguments) for dptrain's Paddle config dialects, computed by PaddleOCR's and
PaddleDetection's own optimizer files over Paddle's own `lr.py`, with no framework installed:

    python3 scripts/paddle-dialects/reference.py          # writes test/fixtures/dialects/reference.json
    python3 scripts/paddle-dialects/reference.py OUT.json # writes OUT.json instead (the test that re-runs it)

Beside this script: `paddle/` is a stand-in package whose `optimizer/lr.py` is Paddle's scheduler code and whose
optimizers, regularizers and clips only record their arguments; `ppocr/optimizer/` holds PaddleOCR's files as
published; `ppdet/optimizer/optimizer.py` is PaddleDetection's as published, with stand-ins for the workspace and
logger it imports. Each file keeps its licence header and names its origin.

Each case of test/fixtures/dialects/cases.json names a fixture file, the run's steps per epoch (and epochs where the
file does not give them) and a number of steps; the values are the LR after construction and after each `step()`.
A file is built the way its program builds it:
- PaddleOCR: `build_optimizer(config['Optimizer'], epochs, step_each_epoch, model)` (epochs: the case's, or
  `Global.epoch_num`), the LR from its `build_lr_scheduler`;
- PaddleDetection: `LearningRate(**config['LearningRate'])(step_per_epoch)`, `OptimizerBuilder(**…)(lr, model)`,
  the file read with `yaml.Loader` so that `!Tag` mappings become the tagged classes;
- a Paddle `lr_scheduler:`/`lr:` block: the classes of `paddle.optimizer.lr` by `name`, a nested scheduler given
  as `scheduler:` or `learning_rate:`, starting at the LinearWarmup's `end_lr` when it gives no `learning_rate`.
"""

import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from paddle.optimizer import lr as paddle_lr  # noqa: E402
from ppdet.optimizer.optimizer import LearningRate, OptimizerBuilder  # noqa: E402
from ppocr.optimizer import build_optimizer  # noqa: E402

ROOT = HERE.parent.parent
FIXTURES = ROOT / 'test' / 'fixtures' / 'dialects'
OUT = FIXTURES / 'reference.json'


class Model:
    """What the optimizer builders ask of a model: no parameters."""

    def parameters(self):
        return []

    def named_parameters(self):
        return []


def paddle_block(config):
    config = dict(config)
    cls = getattr(paddle_lr, config.pop('name'))
    inner = config.pop('scheduler', None) or config.get('learning_rate')
    if isinstance(inner, dict):
        inner = dict(inner)
        inner.setdefault('learning_rate', config['end_lr'])
        config['learning_rate'] = paddle_block(inner)
    return cls(**config)


def recorded(value):
    """An optimizer argument as JSON: numbers as they are, recorder objects as {type, their fields}."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if callable(value):
        return 'callable'
    return {'type': type(value).__name__, **{k: recorded(v) for k, v in vars(value).items()}}


def optimizer_record(optimizer):
    kwargs = {k: recorded(v) for k, v in optimizer.kwargs.items() if k not in ('learning_rate', 'parameters')}
    return {'name': type(optimizer).__name__, 'kwargs': kwargs}


def build(case):
    path = FIXTURES / case['file']
    text = path.read_text()
    k = case.get('stepsPerEpoch')
    if path.parent.name == 'paddledet':
        config = yaml.load(text, Loader=yaml.Loader)  # noqa: S506 (our own fixture files; tags build ppdet classes)
        scheduler = LearningRate(**config['LearningRate'])(k)
        optimizer = None
        if 'OptimizerBuilder' in config:
            optimizer = optimizer_record(OptimizerBuilder(**config['OptimizerBuilder'])(scheduler, Model()))
        return scheduler, optimizer
    config = yaml.safe_load(text)
    if 'Optimizer' in config:
        epochs = case.get('epochs', config.get('Global', {}).get('epoch_num'))
        optimizer, scheduler = build_optimizer(config['Optimizer'], epochs, k, Model())
        return scheduler, optimizer_record(optimizer)
    return paddle_block(config.get('lr_scheduler') or config['lr']), None


def trace(scheduler, steps):
    if not isinstance(scheduler, paddle_lr.LRScheduler):
        return [float(scheduler)] * (steps + 1)  # a constant LR (PaddleOCR's Const, or an lr without a name)
    values = [scheduler()]
    for _ in range(steps):
        scheduler.step()
        values.append(scheduler())
    return values


def main():
    cases = json.loads((FIXTURES / 'cases.json').read_text())
    lr, optimizers = {}, {}
    for case in cases:
        scheduler, optimizer = build(case)
        lr[case['id']] = trace(scheduler, case['steps'])
        if optimizer is not None:
            optimizers[case['id']] = optimizer
    result = {
        'generator': 'scripts/paddle-dialects/reference.py',
        'python': sys.version.split()[0],
        'lr': lr,
        'optimizers': optimizers,
    }
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.write_text(json.dumps(result, indent=1) + '\n')
    print(f'wrote {out}: {len(lr)} schedules, {len(optimizers)} optimizers')


if __name__ == '__main__':
    main()
