#!/usr/bin/python3
"""Golden vectors for dptrain's `torch.*` schedulers, produced by real PyTorch.

Run with Debian's Python and its torch package (`apt-get install -y python3-torch`, torch 1.13.1):

    /usr/bin/python3 scripts/torch-golden.py            # writes test/fixtures/torch-golden.json

Each case builds an SGD optimizer (one parameter group, lr = `learning_rate`, momentum 0.9 so that torch's
default momentum cycling works) and the scheduler from `args` (torch's argument names), then records the group's
lr right after construction and after every call. `last_epoch != -1` cases give the group `initial_lr =
learning_rate` first, as a resumed optimizer has. Restore cases save the scheduler's and the optimizer's
state_dict after `at` calls, build a fresh optimizer and scheduler, load both, and continue.

Callables (`lr_lambda`, `scale_fn`) are our own expression strings over `x`; they become Python lambdas via
`eval`, the TypeScript side compiles the same strings with dptrain's expression module.
"""

import json
import math
import platform
import subprocess
import sys
import warnings
import weakref
from collections import Counter
from pathlib import Path

import torch
from torch.optim import lr_scheduler as L

warnings.simplefilter('ignore')  # torch warns on step(epoch) and on stepping before optimizer.step()

OUT = Path(__file__).resolve().parent.parent / 'test' / 'fixtures' / 'torch-golden.json'
CALLABLES = ('lr_lambda', 'scale_fn')
NAMES = {'min': min, 'max': max, 'abs': abs, 'floor': math.floor, 'ceil': math.ceil, 'cos': math.cos,
         'sin': math.sin, 'exp': math.exp, 'log': math.log, 'sqrt': math.sqrt, 'pi': math.pi}


def compile_lambda(source):
    # Our own strings from the case list below, never user input.
    return eval('lambda x: ' + source, dict(NAMES))  # noqa: S307


def make_optimizer(lr, resume):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr, momentum=0.9)
    if resume:
        optimizer.param_groups[0]['initial_lr'] = lr
    return optimizer


def build(spec, optimizer=None):
    """Returns (scheduler, optimizer) for a case's scheduler spec; children share the parent's optimizer."""
    kind = spec['type']
    assert kind.startswith('torch.'), kind
    args = dict(spec['args'])
    lr = args.pop('learning_rate', None)
    if optimizer is None:
        optimizer = make_optimizer(lr, args.get('last_epoch', -1) != -1)
    for key in CALLABLES:
        if key in args:
            value = args[key]
            args[key] = [compile_lambda(v) for v in value] if isinstance(value, list) else compile_lambda(value)
    if 'schedulers' in args:
        args['schedulers'] = [build(child, optimizer)[0] for child in args['schedulers']]
    if kind == 'torch.ChainedScheduler':
        return L.ChainedScheduler(**args), optimizer
    return getattr(L, kind[len('torch.'):])(optimizer, **args), optimizer


def apply(scheduler, call):
    if call is None:
        scheduler.step()
    elif 'metrics' in call:
        if 'epoch' in call:
            scheduler.step(call['metrics'], call['epoch'])
        else:
            scheduler.step(call['metrics'])
    else:
        scheduler.step(call['epoch'])


def group_lr(optimizer):
    return optimizer.param_groups[0]['lr']


def jsonable(value, key=None):
    """torch's state_dict as JSON: callables dropped (torch does not save plain functions), inf as 'inf'."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return 'nan' if math.isnan(value) else ('inf' if value > 0 else '-inf')
    if isinstance(value, Counter):
        return {str(k): c for k, c in value.items()}
    if isinstance(value, dict):
        return {str(k): jsonable(v, k) for k, v in value.items() if not dropped(k, v)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    raise TypeError(f'{key}: cannot write {type(value).__name__} as JSON')


def dropped(key, value):
    if key == 'lr_lambdas':  # a list of None for plain functions
        return True
    if key == '_scale_fn_custom':
        return value is not None
    return callable(value) or isinstance(value, weakref.WeakMethod)


def run(spec, calls):
    scheduler, optimizer = build(spec)
    lrs = [group_lr(optimizer)]
    for call in calls:
        apply(scheduler, call)
        lrs.append(group_lr(optimizer))
        if hasattr(scheduler, 'get_last_lr'):
            assert scheduler.get_last_lr()[0] == lrs[-1]
    return lrs


def run_restored(spec, calls, at):
    scheduler, optimizer = build(spec)
    lrs = [group_lr(optimizer)]
    for call in calls[:at]:
        apply(scheduler, call)
        lrs.append(group_lr(optimizer))
    state = scheduler.state_dict()
    state_json = jsonable(state)
    optimizer_state = optimizer.state_dict()
    restored, restored_optimizer = build(spec)
    restored_optimizer.load_state_dict(optimizer_state)
    restored.load_state_dict(state)
    for call in calls[at:]:
        apply(restored, call)
        lrs.append(group_lr(restored_optimizer))
    return lrs, state_json


LIBM_BY_TYPE = {
    'torch.CosineAnnealingLR': {'cos'},
    'torch.CosineAnnealingWarmRestarts': {'cos'},
}


def libm_of(spec, calls):
    """libm functions on the case's path (empty: only + - * /, so results must match bit for bit)."""
    kind, args = spec['type'], spec['args']
    explicit = any(c is not None and 'epoch' in c and 'metrics' not in c for c in calls)
    found = set(LIBM_BY_TYPE.get(kind, set()))
    for key in CALLABLES:
        sources = args.get(key)
        sources = sources if isinstance(sources, list) else [sources]
        for source in sources:
            if isinstance(source, str) and '**' in source:
                found.add('pow')
    if kind in ('torch.StepLR', 'torch.ExponentialLR') and explicit:
        found.add('pow')
    if kind == 'torch.MultiStepLR' and (explicit or max(Counter(args['milestones']).values()) > 1):
        found.add('pow')
    if kind == 'torch.PolynomialLR' and args.get('power', 1.0) != 1.0:
        found.add('pow')
    if kind == 'torch.OneCycleLR' and args.get('anneal_strategy', 'cos') == 'cos':
        found.add('cos')
    if kind == 'torch.CyclicLR' and args.get('mode') == 'exp_range' and 'scale_fn' not in args:
        found.add('pow')
    if kind == 'torch.CosineAnnealingWarmRestarts' and explicit and args.get('T_mult', 1) > 1:
        found.update({'log', 'pow'})
    for child in args.get('schedulers', []):
        found |= set(libm_of(child, []))
    return sorted(found)


def torch_case(kind, **args):
    return {'type': 'torch.' + kind, 'args': args}


def child(kind, **args):
    return {'type': 'torch.' + kind, 'args': args}


def epochs(*values):
    return [None if v is None else {'epoch': v} for v in values]


def metrics(*values):
    return [{'metrics': v} for v in values]


SIN = [math.sin(k) for k in range(30)]
COOLDOWN_METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.5, 0.45, 0.44, 0.6, 0.6, 0.6, 0.6, 0.3, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6,
                    0.6, 0.29, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
LOG_BOUNDARY = [0, 1, 2, 3, 4, 5, 12, 13, 14, 39, 40, 41, 119, 120, 121, 122, 363, 364, 365, 1093]

CASES = [
    # StepLR
    dict(name='StepLR_basic', scheduler=torch_case('StepLR', learning_rate=0.5, step_size=3, gamma=0.8), steps=40),
    dict(name='StepLR_default_gamma', scheduler=torch_case('StepLR', learning_rate=0.1, step_size=5), steps=30),
    dict(name='StepLR_explicit_epochs', scheduler=torch_case('StepLR', learning_rate=0.5, step_size=4, gamma=0.5),
         steps=25, calls=epochs(None, None, None, None, None, 9, None, None, 2, None, None, None, 16, None, None,
                                11.5, None, None, None, None, 0, None, None, None, None),
         note='explicit epochs use the closed form (also fractional: 11.5 // 4 = 2.0); the next step() continues '
              'chainably from 12.5, where 12.5 % 4 != 0 never decays'),
    dict(name='StepLR_last_epoch5', scheduler=torch_case('StepLR', learning_rate=0.3, step_size=3, gamma=0.5,
                                                         last_epoch=5), steps=20,
         note='resume: the group holds lr = initial_lr = learning_rate; the constructor step is e = 6, a decay'),
    dict(name='StepLR_float_step_size', scheduler=torch_case('StepLR', learning_rate=1.0, step_size=2.5, gamma=0.5),
         steps=20, note='torch does not check step_size: e % 2.5 == 0 at e = 5, 10, 15, 20'),
    # MultiStepLR
    dict(name='MultiStepLR_basic',
         scheduler=torch_case('MultiStepLR', learning_rate=0.05, milestones=[5, 12, 20], gamma=0.1), steps=30),
    dict(name='MultiStepLR_repeated_unsorted',
         scheduler=torch_case('MultiStepLR', learning_rate=1.0, milestones=[15, 5, 5, 9], gamma=0.5), steps=25,
         note='milestones are a Counter: 5 listed twice decays by gamma ** 2; order does not matter'),
    dict(name='MultiStepLR_explicit',
         scheduler=torch_case('MultiStepLR', learning_rate=0.2, milestones=[3, 6, 6, 10], gamma=0.3), steps=25,
         calls=epochs(None, None, None, 7, None, None, None, 2, None, None, None, None, 12, None, 5, None, None,
                      None, None, None, None, 0, None, None, None)),
    # ConstantLR
    dict(name='ConstantLR_defaults', scheduler=torch_case('ConstantLR', learning_rate=0.05), steps=12),
    dict(name='ConstantLR_explicit', scheduler=torch_case('ConstantLR', learning_rate=0.1, factor=0.5, total_iters=4),
         steps=20, calls=epochs(None, None, 6, None, 1, None, None, None, None, None, 2, None, 0, None, None, None,
                                None, None, None, None),
         note='after step(1) the chainable steps reach e = 4 again and multiply by 1 / factor a second time'),
    dict(name='ConstantLR_total_iters0',
         scheduler=torch_case('ConstantLR', learning_rate=0.2, factor=0.25, total_iters=0), steps=10,
         note='total_iters 0: the factor applied at e = 0 is never undone'),
    # LinearLR
    dict(name='LinearLR_defaults', scheduler=torch_case('LinearLR', learning_rate=0.05), steps=12),
    dict(name='LinearLR_decay',
         scheduler=torch_case('LinearLR', learning_rate=0.1, start_factor=1.0, end_factor=0.05, total_iters=10),
         steps=25),
    dict(name='LinearLR_explicit_epochs',
         scheduler=torch_case('LinearLR', learning_rate=0.5, start_factor=0.25, end_factor=1.0, total_iters=8),
         steps=30, calls=epochs(3, None, 6, None, None, 1, None, 12, 0, *[None] * 21),
         note='SPEC 9 (material): torch uses the closed form for explicit epochs, Paddle one recursive factor'),
    dict(name='LinearLR_last_epoch3',
         scheduler=torch_case('LinearLR', learning_rate=0.4, start_factor=0.5, total_iters=6, last_epoch=3), steps=15,
         note='resume: the recursion starts from the group lr (= learning_rate), not base * start_factor'),
    # ExponentialLR
    dict(name='ExponentialLR_basic', scheduler=torch_case('ExponentialLR', learning_rate=0.1, gamma=0.9), steps=50),
    dict(name='ExponentialLR_explicit', scheduler=torch_case('ExponentialLR', learning_rate=1.0, gamma=0.8), steps=25,
         calls=epochs(None, None, 10, None, None, 3, None, None, None, 20, 0, None, None, None, None, 7, None, None,
                      None, None, None, None, None, None, None)),
    # CosineAnnealingLR
    dict(name='CosineAnnealingLR_T10', scheduler=torch_case('CosineAnnealingLR', learning_rate=0.1, T_max=10),
         steps=35, note='past T_max the lr rises again; the additive branch runs at e = 11 and 31'),
    dict(name='CosineAnnealingLR_T1_etamin',
         scheduler=torch_case('CosineAnnealingLR', learning_rate=0.5, T_max=1, eta_min=0.1), steps=20),
    dict(name='CosineAnnealingLR_last_epoch4',
         scheduler=torch_case('CosineAnnealingLR', learning_rate=0.5, T_max=10, last_epoch=4), steps=30,
         note='SPEC 9 (material): the first step after a resume (_step_count == 1) uses the closed form; '
              'Paddle recurses from base_lr'),
    dict(name='CosineAnnealingLR_explicit_mixed',
         scheduler=torch_case('CosineAnnealingLR', learning_rate=0.1, T_max=8, eta_min=0.01), steps=30,
         calls=epochs(None, None, None, 5, None, None, 13, None, None, None, 0, None, None, None, None, None, 9,
                      None, None, None, None, None, None, None, None, None, None, None, None, None)),
    # PolynomialLR
    dict(name='PolynomialLR_defaults', scheduler=torch_case('PolynomialLR', learning_rate=0.001), steps=10),
    dict(name='PolynomialLR_power2',
         scheduler=torch_case('PolynomialLR', learning_rate=0.5, total_iters=30, power=2.0), steps=35),
    dict(name='PolynomialLR_explicit',
         scheduler=torch_case('PolynomialLR', learning_rate=0.2, total_iters=10, power=1.5), steps=20,
         calls=epochs(None, None, 4, None, None, 12, None, 1, None, None, None, None, None, None, None, None, None,
                      None, None, None)),
    dict(name='PolynomialLR_sqrt_last_epoch2',
         scheduler=torch_case('PolynomialLR', learning_rate=0.3, total_iters=12, power=0.5, last_epoch=2), steps=15),
    # LambdaLR
    dict(name='LambdaLR_pow', scheduler=torch_case('LambdaLR', learning_rate=0.1, lr_lambda='0.95 ** x'), steps=40),
    dict(name='LambdaLR_explicit', scheduler=torch_case('LambdaLR', learning_rate=0.5, lr_lambda='1 / (x + 1)'),
         steps=20, calls=epochs(None, None, 8, None, 3, None, None, 15, None, None, 0, None, None, None, None, None,
                                None, None, None, None)),
    dict(name='LambdaLR_warmup_step_last_epoch',
         scheduler=torch_case('LambdaLR', learning_rate=1.0, lr_lambda='min(1.0, (x + 1) / 5) * 0.5 ** (x // 10)',
                              last_epoch=2), steps=30),
    # MultiplicativeLR
    dict(name='MultiplicativeLR_const',
         scheduler=torch_case('MultiplicativeLR', learning_rate=0.1, lr_lambda='0.95'), steps=30),
    dict(name='MultiplicativeLR_pow099_explicit',
         scheduler=torch_case('MultiplicativeLR', learning_rate=0.5, lr_lambda='0.99 ** x'), steps=30,
         calls=epochs(None, None, 10, None, None, 3, None, 20, None, None, None, None, None, 0, None, None, None,
                      None, None, None, None, None, None, None, None, None, None, None, None, None),
         note='SPEC 9 (material): no closed form, step(epoch) multiplies the current lr by f(epoch) once'),
    # OneCycleLR
    dict(name='OneCycleLR_cos_to_end',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1, total_steps=50), steps=50,
         note='defaults; epochs 0..total_steps are defined, the last one extrapolates (cos bounces back up)'),
    dict(name='OneCycleLR_linear_to_end',
         scheduler=torch_case('OneCycleLR', learning_rate=0.01, max_lr=0.2, total_steps=40, pct_start=0.25,
                              anneal_strategy='linear', div_factor=10.0, final_div_factor=100.0), steps=40,
         note='linear extrapolation at e = total_steps goes below min_lr'),
    dict(name='OneCycleLR_three_phase_cos',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=1.0, total_steps=30, div_factor=9.0,
                              final_div_factor=1000.0, three_phase=True), steps=30),
    dict(name='OneCycleLR_three_phase_linear',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.3, total_steps=30, pct_start=0.2,
                              anneal_strategy='linear', three_phase=True, cycle_momentum=False), steps=30),
    dict(name='OneCycleLR_epochs_steps_per_epoch',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=[0.05], epochs=4, steps_per_epoch=10,
                              pct_start=0.4, base_momentum=0.8, max_momentum=0.9), steps=40,
         note='total_steps = epochs * steps_per_epoch; max_lr as a one-group list'),
    dict(name='OneCycleLR_explicit_epochs',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1, total_steps=30, anneal_strategy='linear'),
         steps=30, calls=epochs(5, 0, 29, 30, 10, 8, 9, 7, 6, 20, 21, 22, 23, 24, 25, 26, 27, 28, 1, 2, 3, 4, 11, 12,
                                13, 14, 15, 16, 17, 18)),
    # CyclicLR
    dict(name='CyclicLR_triangular',
         scheduler=torch_case('CyclicLR', learning_rate=0.1, base_lr=0.01, max_lr=0.1, step_size_up=5), steps=40),
    dict(name='CyclicLR_triangular2_asymmetric',
         scheduler=torch_case('CyclicLR', learning_rate=0.1, base_lr=0.001, max_lr=0.006, step_size_up=3,
                              step_size_down=7, mode='triangular2'), steps=50),
    dict(name='CyclicLR_exp_range',
         scheduler=torch_case('CyclicLR', learning_rate=0.5, base_lr=0.5, max_lr=1.0, step_size_up=15,
                              step_size_down=5, mode='exp_range', gamma=0.98, scale_mode='cycle'), steps=60,
         note='scale_mode is ignored without scale_fn: exp_range always scales on iterations'),
    dict(name='CyclicLR_scale_fn_iterations',
         scheduler=torch_case('CyclicLR', learning_rate=0.5, base_lr=0.5, max_lr=1.0, step_size_up=4,
                              scale_fn='0.99 ** x', scale_mode='iterations'), steps=30),
    dict(name='CyclicLR_scale_fn_cycle',
         scheduler=torch_case('CyclicLR', learning_rate=0.1, base_lr=0.1, max_lr=0.4, step_size_up=3,
                              step_size_down=2, mode='not-a-mode', scale_fn='1 / x'), steps=30,
         note='with scale_fn the mode is ignored, even an invalid one'),
    dict(name='CyclicLR_defaults',
         scheduler=torch_case('CyclicLR', learning_rate=0.1, base_lr=0.001, max_lr=0.006), steps=40,
         note='step_size_up defaults to 2000'),
    dict(name='CyclicLR_explicit',
         scheduler=torch_case('CyclicLR', learning_rate=0.1, base_lr=0.01, max_lr=0.1, step_size_up=4,
                              step_size_down=6, cycle_momentum=False), steps=25,
         calls=epochs(None, None, 13, None, None, 2, None, None, 40, None, 0, None, None, None, None, None, None, 7,
                      None, None, None, None, None, None, None)),
    dict(name='CyclicLR_last_epoch_quirk',
         scheduler=torch_case('CyclicLR', learning_rate=0.3, base_lr=0.01, max_lr=0.1, step_size_up=5,
                              last_epoch=7), steps=15,
         note='the constructor step uses base_lrs = [initial_lr] (0.3, the optimizer lr), later steps base_lr 0.01'),
    # CosineAnnealingWarmRestarts
    dict(name='CosineAnnealingWarmRestarts_T5',
         scheduler=torch_case('CosineAnnealingWarmRestarts', learning_rate=0.5, T_0=5), steps=30),
    dict(name='CosineAnnealingWarmRestarts_T2_mult2_etamin',
         scheduler=torch_case('CosineAnnealingWarmRestarts', learning_rate=0.1, T_0=2, T_mult=2, eta_min=0.001),
         steps=40),
    dict(name='CosineAnnealingWarmRestarts_fractional_epochs',
         scheduler=torch_case('CosineAnnealingWarmRestarts', learning_rate=0.1, T_0=3, T_mult=2),
         steps=40, calls=epochs(*[k * 0.25 for k in range(1, 31)], *[None] * 10),
         note='fractional epochs: T_cur fractional, last_epoch = floor(epoch)'),
    dict(name='CosineAnnealingWarmRestarts_mult3_log_boundary',
         scheduler=torch_case('CosineAnnealingWarmRestarts', learning_rate=0.1, T_0=1, T_mult=3, eta_min=0.001),
         steps=30, calls=epochs(*LOG_BOUNDARY, *[None] * 10),
         note='step(121): CPython/glibc math.log(243, 3) = 4.999999999999999 -> n = 4, so epoch 121 is T_cur = T_i '
              '(eta_min), not a restart'),
    dict(name='CosineAnnealingWarmRestarts_last_epoch7',
         scheduler=torch_case('CosineAnnealingWarmRestarts', learning_rate=0.5, T_0=5, T_mult=2, last_epoch=7),
         steps=20, note='resume: T_cur starts at 7 and is reduced by T_i at most once'),
    # SequentialLR
    dict(name='SequentialLR_linear_then_cosine',
         scheduler=torch_case('SequentialLR', learning_rate=0.1,
                              schedulers=[child('LinearLR', start_factor=0.1, total_iters=10),
                                          child('CosineAnnealingLR', T_max=50)], milestones=[10]), steps=60,
         note='the cosine child gets step(0) at the milestone (closed form: base lr), then recurses'),
    dict(name='SequentialLR_constant_then_exponential',
         scheduler=torch_case('SequentialLR', learning_rate=1.0,
                              schedulers=[child('ConstantLR', factor=0.1, total_iters=2),
                                          child('ExponentialLR', gamma=0.9)], milestones=[2]), steps=20,
         note='torch docstring example: 0.1, 0.1, 0.9, 0.81, 0.729, ...'),
    dict(name='SequentialLR_three_children',
         scheduler=torch_case('SequentialLR', learning_rate=0.5,
                              schedulers=[child('LinearLR', start_factor=0.2, total_iters=4),
                                          child('StepLR', step_size=3, gamma=0.5),
                                          child('ExponentialLR', gamma=0.95)], milestones=[4, 13]), steps=25),
    dict(name='SequentialLR_constant_then_warm_restarts',
         scheduler=torch_case('SequentialLR', learning_rate=0.2,
                              schedulers=[child('ConstantLR', factor=0.5, total_iters=3),
                                          child('CosineAnnealingWarmRestarts', T_0=5, T_mult=2)], milestones=[3]),
         steps=30),
    # ChainedScheduler
    dict(name='ChainedScheduler_constant_exponential',
         scheduler=torch_case('ChainedScheduler', learning_rate=1.0,
                              schedulers=[child('ConstantLR', factor=0.1, total_iters=2),
                                          child('ExponentialLR', gamma=0.9)]), steps=20,
         note='no reset: 0.1, 0.09, 0.81, 0.729, ... (torch 1.13 docstring lists other values)'),
    dict(name='ChainedScheduler_with_sequential',
         scheduler=torch_case('ChainedScheduler', learning_rate=0.3,
                              schedulers=[child('SequentialLR',
                                                schedulers=[child('ConstantLR', factor=0.5, total_iters=2),
                                                            child('LinearLR', start_factor=1.0, end_factor=0.2,
                                                                  total_iters=5)], milestones=[3]),
                                          child('MultiplicativeLR', lr_lambda='0.98')]), steps=20),
    # ReduceLROnPlateau
    dict(name='ReduceLROnPlateau_min_rel',
         scheduler=torch_case('ReduceLROnPlateau', learning_rate=0.1, factor=0.5, patience=2), steps=30,
         calls=metrics(*[1.0 / (k + 1) for k in range(8)], *[0.125] * 10, *[0.1249] * 4, *[0.05] * 8)),
    dict(name='ReduceLROnPlateau_max_abs',
         scheduler=torch_case('ReduceLROnPlateau', learning_rate=1.0, mode='max', factor=0.5, patience=3,
                              threshold=1e-4, threshold_mode='abs', cooldown=1), steps=30, calls=metrics(*SIN)),
    dict(name='ReduceLROnPlateau_cooldown_improvement',
         scheduler=torch_case('ReduceLROnPlateau', learning_rate=0.1, mode='min', factor=0.5, patience=2,
                              threshold=0.01, threshold_mode='rel', cooldown=3), steps=30,
         calls=metrics(*COOLDOWN_METRICS),
         note='SPEC 9 (material): torch evaluates the metric during cooldown and updates best (Paddle skips it)'),
    dict(name='ReduceLROnPlateau_min_lr_clamp',
         scheduler=torch_case('ReduceLROnPlateau', learning_rate=1.0, factor=0.1, patience=0, min_lr=0.0015),
         steps=30, calls=metrics(*[1.0] * 30), note='clamped at min_lr, then eps suppresses further changes'),
    dict(name='ReduceLROnPlateau_with_epoch_arg',
         scheduler=torch_case('ReduceLROnPlateau', learning_rate=0.05, patience=2, cooldown=2, factor=0.2), steps=30,
         calls=[{'metrics': 1.0 / (1 + k % 7), 'epoch': 100 + 2 * k} for k in range(30)]),
    dict(name='ReduceLROnPlateau_negative_metrics_rel',
         scheduler=torch_case('ReduceLROnPlateau', learning_rate=0.2, factor=0.5, patience=1, threshold=0.1),
         steps=30, calls=metrics(*[-1.0 - 0.05 * k for k in range(15)], *[-1.7] * 15),
         note='rel with negative best: best * (1 - threshold) is above best, so small gains count'),
    # Restore (state_dict round trips)
    dict(name='Restore_CosineAnnealingWarmRestarts',
         scheduler=torch_case('CosineAnnealingWarmRestarts', learning_rate=0.5, T_0=5, T_mult=2), steps=40,
         restore_at=7, note='T_cur and T_i are in torch state_dict: the restored run continues exactly'),
    dict(name='Restore_CosineAnnealingLR',
         scheduler=torch_case('CosineAnnealingLR', learning_rate=0.1, T_max=10), steps=30, restore_at=13),
    dict(name='Restore_OneCycleLR',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1, total_steps=40), steps=40, restore_at=17),
    dict(name='Restore_LinearLR', scheduler=torch_case('LinearLR', learning_rate=0.1, total_iters=10), steps=20,
         restore_at=4),
    dict(name='Restore_MultiStepLR',
         scheduler=torch_case('MultiStepLR', learning_rate=0.1, milestones=[3, 9, 9, 14], gamma=0.5), steps=20,
         restore_at=8),
    dict(name='Restore_CyclicLR',
         scheduler=torch_case('CyclicLR', learning_rate=0.1, base_lr=0.01, max_lr=0.1, step_size_up=3,
                              mode='triangular2'), steps=30, restore_at=9),
    dict(name='Restore_SequentialLR',
         scheduler=torch_case('SequentialLR', learning_rate=0.1,
                              schedulers=[child('LinearLR', start_factor=0.1, total_iters=10),
                                          child('CosineAnnealingLR', T_max=30)], milestones=[10]), steps=40,
         restore_at=12),
    dict(name='Restore_ChainedScheduler',
         scheduler=torch_case('ChainedScheduler', learning_rate=1.0,
                              schedulers=[child('ConstantLR', factor=0.1, total_iters=2),
                                          child('ExponentialLR', gamma=0.9)]), steps=20, restore_at=5),
    dict(name='Restore_ReduceLROnPlateau',
         scheduler=torch_case('ReduceLROnPlateau', learning_rate=0.1, factor=0.5, patience=2, threshold=0.01,
                              cooldown=3), steps=30, restore_at=12, calls=metrics(*COOLDOWN_METRICS)),
]

# Calls torch refuses (raised_in: 'constructor' or 'step'; at_call = index of the failing call).
ERRORS = [
    dict(name='StepLR_step_size_0', scheduler=torch_case('StepLR', learning_rate=0.1, step_size=0), calls=[None]),
    dict(name='MultiStepLR_milestones_not_list', scheduler=torch_case('MultiStepLR', learning_rate=0.1, milestones=5)),
    dict(name='ConstantLR_factor_above_1', scheduler=torch_case('ConstantLR', learning_rate=0.1, factor=1.5)),
    dict(name='ConstantLR_factor_negative', scheduler=torch_case('ConstantLR', learning_rate=0.1, factor=-0.1)),
    dict(name='ConstantLR_factor_0_at_total_iters',
         scheduler=torch_case('ConstantLR', learning_rate=0.1, factor=0.0, total_iters=3), calls=[None] * 4),
    dict(name='LinearLR_start_above_1', scheduler=torch_case('LinearLR', learning_rate=0.1, start_factor=1.5)),
    dict(name='LinearLR_end_negative', scheduler=torch_case('LinearLR', learning_rate=0.1, end_factor=-0.5)),
    dict(name='LinearLR_start_0', scheduler=torch_case('LinearLR', learning_rate=0.1, start_factor=0.0),
         calls=[None]),
    dict(name='CosineAnnealingLR_T_max_0', scheduler=torch_case('CosineAnnealingLR', learning_rate=0.1, T_max=0),
         calls=[None]),
    dict(name='PolynomialLR_total_iters_0_explicit',
         scheduler=torch_case('PolynomialLR', learning_rate=0.1, total_iters=0), calls=[None, {'epoch': 3}]),
    dict(name='LambdaLR_two_lambdas',
         scheduler=torch_case('LambdaLR', learning_rate=0.1, lr_lambda=['0.9 ** x', '1.0'])),
    dict(name='OneCycleLR_no_total',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1)),
    dict(name='OneCycleLR_total_steps_0', scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1,
                                                               total_steps=0)),
    dict(name='OneCycleLR_total_steps_fractional',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1, total_steps=2.5)),
    dict(name='OneCycleLR_epochs_0',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1, epochs=0, steps_per_epoch=5)),
    dict(name='OneCycleLR_pct_start_above_1',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1, total_steps=10, pct_start=1.5)),
    dict(name='OneCycleLR_anneal_strategy_unknown',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1, total_steps=10, anneal_strategy='exp')),
    dict(name='OneCycleLR_max_lr_two_groups',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=[0.1, 0.2], total_steps=10)),
    dict(name='OneCycleLR_div_factor_0',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1, total_steps=10, div_factor=0.0)),
    dict(name='OneCycleLR_zero_length_phase',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1, total_steps=10, pct_start=0.1)),
    dict(name='OneCycleLR_past_total_steps',
         scheduler=torch_case('OneCycleLR', learning_rate=0.1, max_lr=0.1, total_steps=5), calls=[None] * 6),
    dict(name='CyclicLR_mode_unknown',
         scheduler=torch_case('CyclicLR', learning_rate=0.1, base_lr=0.01, max_lr=0.1, mode='triangle')),
    dict(name='CyclicLR_zero_cycle',
         scheduler=torch_case('CyclicLR', learning_rate=0.1, base_lr=0.01, max_lr=0.1, step_size_up=0,
                              step_size_down=0)),
    dict(name='CyclicLR_zero_rise',
         scheduler=torch_case('CyclicLR', learning_rate=0.1, base_lr=0.01, max_lr=0.1, step_size_up=0,
                              step_size_down=5)),
    dict(name='CosineAnnealingWarmRestarts_T_0_zero',
         scheduler=torch_case('CosineAnnealingWarmRestarts', learning_rate=0.1, T_0=0)),
    dict(name='CosineAnnealingWarmRestarts_T_0_fractional',
         scheduler=torch_case('CosineAnnealingWarmRestarts', learning_rate=0.1, T_0=2.5)),
    dict(name='CosineAnnealingWarmRestarts_T_mult_0',
         scheduler=torch_case('CosineAnnealingWarmRestarts', learning_rate=0.1, T_0=2, T_mult=0)),
    dict(name='CosineAnnealingWarmRestarts_T_mult_fractional',
         scheduler=torch_case('CosineAnnealingWarmRestarts', learning_rate=0.1, T_0=2, T_mult=1.5)),
    dict(name='CosineAnnealingWarmRestarts_negative_epoch',
         scheduler=torch_case('CosineAnnealingWarmRestarts', learning_rate=0.1, T_0=2), calls=[None, {'epoch': -1}]),
    dict(name='ReduceLROnPlateau_factor_1',
         scheduler=torch_case('ReduceLROnPlateau', learning_rate=0.1, factor=1.0)),
    dict(name='ReduceLROnPlateau_mode_upper_case',
         scheduler=torch_case('ReduceLROnPlateau', learning_rate=0.1, mode='MAX')),
    dict(name='ReduceLROnPlateau_threshold_mode_unknown',
         scheduler=torch_case('ReduceLROnPlateau', learning_rate=0.1, threshold_mode='relative')),
    dict(name='ReduceLROnPlateau_min_lr_two_groups',
         scheduler=torch_case('ReduceLROnPlateau', learning_rate=0.1, min_lr=[0.0, 0.0])),
    dict(name='SequentialLR_milestones_count',
         scheduler=torch_case('SequentialLR', learning_rate=0.1,
                              schedulers=[child('ConstantLR'), child('ExponentialLR', gamma=0.9)], milestones=[])),
    dict(name='SequentialLR_step_with_epoch',
         scheduler=torch_case('SequentialLR', learning_rate=0.1,
                              schedulers=[child('ConstantLR'), child('ExponentialLR', gamma=0.9)], milestones=[3]),
         calls=[None, {'epoch': 5}]),
    dict(name='ChainedScheduler_step_with_epoch',
         scheduler=torch_case('ChainedScheduler', learning_rate=0.1,
                              schedulers=[child('ConstantLR'), child('ExponentialLR', gamma=0.9)]),
         calls=[{'epoch': 5}]),
]


def run_case(case):
    spec, steps = case['scheduler'], case['steps']
    calls = case.get('calls') or [None] * steps
    assert len(calls) == steps, case['name']
    out = {'name': case['name'], 'scheduler': spec, 'steps': steps}
    if 'calls' in case:
        out['calls'] = calls
    if 'note' in case:
        out['note'] = case['note']
    out['libm'] = libm_of(spec, calls)
    uninterrupted = run(spec, calls)
    if 'restore_at' in case:
        at = case['restore_at']
        lrs, state = run_restored(spec, calls, at)
        out['lrs'] = lrs
        out['restore'] = {'at': at, 'state_dict': state, 'matches_uninterrupted': lrs == uninterrupted}
        if lrs != uninterrupted:
            out['restore']['lrs_uninterrupted'] = uninterrupted
    else:
        out['lrs'] = uninterrupted
    return out


def run_error(case):
    spec = case['scheduler']
    calls = case.get('calls', [])
    out = {'name': case['name'], 'scheduler': spec}
    if calls:
        out['calls'] = calls
    try:
        scheduler, _ = build(spec)
    except Exception as error:  # noqa: BLE001 - recording whatever torch raises
        return {**out, 'error': type(error).__name__, 'message': str(error), 'raised_in': 'constructor'}
    for index, call in enumerate(calls):
        try:
            apply(scheduler, call)
        except Exception as error:  # noqa: BLE001
            return {**out, 'error': type(error).__name__, 'message': str(error), 'raised_in': 'step',
                    'at_call': index}
    raise AssertionError(f'{case["name"]}: torch raised nothing')


def debian_version():
    try:
        return subprocess.run(['dpkg-query', '-W', '-f=${Version}', 'python3-torch'], check=True,
                              capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def main():
    names = [c['name'] for c in CASES] + [c['name'] for c in ERRORS]
    assert len(names) == len(set(names)), 'case names must be unique'
    data = {
        'torch_version': torch.__version__,
        'torch_package': debian_version(),
        'python_version': platform.python_version(),
        'generator': 'scripts/torch-golden.py',
        'cases': [run_case(c) for c in CASES],
        'errors': [run_error(c) for c in ERRORS],
    }
    OUT.write_text(json.dumps(data, indent=1, allow_nan=False) + '\n')
    restores = sum('restore' in c for c in data['cases'])
    print(f'wrote {OUT}: {len(data["cases"])} cases ({restores} restore), {len(data["errors"])} errors, '
          f'torch {data["torch_version"]} ({data["torch_package"]}), python {data["python_version"]}',
          file=sys.stderr)


if __name__ == '__main__':
    main()
