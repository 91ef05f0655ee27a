#!/usr/bin/env bash
# The audit extra (torch, jax, rlax, stable-baselines3) in the active virtual environment.
# torch first, pinned to 2.13.0 (the CPU wheel; any other torch spec pulls a multi-GB CUDA build),
# so that the extra's torch range is already satisfied when pip resolves '.[audit]'.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet torch==2.13.0
python -m pip install --quiet -e '.[audit]'
python -c "import torch, jax, rlax, stable_baselines3; print('audit extra:', 'torch', torch.__version__, 'jax', jax.__version__, 'sb3', stable_baselines3.__version__)"
