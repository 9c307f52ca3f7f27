#!/usr/bin/env bash
# The paper's setting on one or several GPUs: ModelConfig defaults (--paper-sizes), global batch 1024,
# bf16 autocast, one process per GPU under torchrun (NCCL). Resumes from OUT/last.pt when it exists.
#
#   scripts/train_gpu.sh DATASET [SPLIT] [OUT] [GPUS] [more `grenimja train` options]
#   scripts/train_gpu.sh datasets/v2 unknown runs/gpu_unknown 4 --epochs 30 --pairs-per-epoch 300000
#
# DATASET is a folder made by `grenimja data build` (copy it to the GPU machine: it needs no ../shared).
# The embeddings default to models/embeddings.npz; pass --embeddings FILE to use others.
set -euo pipefail
DATASET=${1:?usage: scripts/train_gpu.sh DATASET [SPLIT] [OUT] [GPUS] [grenimja train options]}
SPLIT=${2:-unknown}
OUT=${3:-runs/gpu_${SPLIT}}
GPUS=${4:-$(nvidia-smi -L 2>/dev/null | wc -l)}
shift $(( $# < 4 ? $# : 4 ))
if [ "${GPUS}" -lt 1 ]; then
    echo "error: no GPU found (nvidia-smi -L lists none); give the number of GPUs as the 4th argument" >&2
    exit 2
fi
exec torchrun --standalone --nproc_per_node "${GPUS}" -m grenimja train \
    --dataset "${DATASET}" --split "${SPLIT}" --out "${OUT}" \
    --paper-sizes --device cuda --bf16 --batch-size 1024 --resume "$@"
