import type { SchedulerEntry } from './entry.js';
import { PADDLE_SCHEDULERS } from './paddle/registry.js';
import { PPOCR_SCHEDULERS } from './ppocr/registry.js';
import { TORCH_SCHEDULERS } from './torch/registry.js';

/** Every scheduler a config can name: Paddle's by bare name, PyTorch's under `torch.`, PaddleOCR's own under `ppocr.`. */
export const SCHEDULERS: Readonly<Record<string, SchedulerEntry>> = {
  ...PADDLE_SCHEDULERS,
  ...TORCH_SCHEDULERS,
  ...PPOCR_SCHEDULERS,
};
