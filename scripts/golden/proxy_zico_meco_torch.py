#!/usr/bin/env python3
"""ZiCo and MeCo in PyTorch float64, as their authors' code defines them, on the space of
mstf_torch.py: writes fixtures/proxy-zico-meco-golden.json, which test/proxies/zico-meco.test.ts
compares mednas's f32 values against.

    /usr/bin/python3 scripts/golden/proxy_zico_meco_torch.py     # writes fixtures/proxy-zico-meco-golden.json

Run by hand (Debian's python3-torch 1.13, numpy); tests read the fixture without Python. Weights,
images and labels are those of proxies_torch.py (its helper `fixed_case` builds them:
the fixed weights, `fixed_batch`, the labels arange(N) % K), so both sides compute with exactly the same numbers.

- ZiCo (Li et al., ICLR 2023; github.com/SLDGroup/ZiCo, ZeroShotProxy/compute_zico.py): the batch
  split into two halves (MeCo's copy of it, measures/zico.py: st = sp * N // 2, en = (sp + 1) * N // 2),
  per half zero_grad, forward in train mode, the loss, backward, every conv and linear weight's
  gradient kept; per layer, over the halves, std (numpy's, ddof 0) and mean of |g|; entries with
  std != 0 kept; score = sum over layers with a non-zero sum of log(sum(mean|g| / std)).
- MeCo (Jiang et al., NeurIPS 2023; github.com/HamsterMimi/MeCo, measures/meco.py): a forward hook
  on EVERY module (named_modules(), the network itself included); each call takes its output's
  first image, C x (H W), torch.corrcoef of the C channel rows, NaN and inf set to 0, the smallest
  real part of torch.linalg.eig's eigenvalues; score = the sum over calls (NaN results dropped).
  Train mode; mednas feeds one image, the proxy batch's first ("one data, single forward pass").
"""
import argparse
import copy
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn

from mstf_torch import MIXED_GENOTYPE, PAPER_GENOTYPE, random_genotype
from proxies_torch import fixed_case, loss_fn, scored_layers

ZICO_SPLITS = 2


def zico(net, x, y, multi_label):
    """compute_zico.py's getzico + caculate_zico (zero_grad per split, as the authors' loop does)."""
    net = copy.deepcopy(net).train()
    n = x.shape[0]
    grads = {}
    for sp in range(ZICO_SPLITS):
        st, en = sp * n // ZICO_SPLITS, (sp + 1) * n // ZICO_SPLITS
        net.zero_grad()
        loss_fn(net(x[st:en]), y[st:en], multi_label).backward()
        for i, m in enumerate(scored_layers(net)):
            grads.setdefault(i, []).append(m.weight.grad.detach().reshape(-1).numpy().copy())
    total, layers = 0.0, 0
    for i in sorted(grads):
        g = np.array(grads[i])
        std = np.std(g, axis=0)
        nonzero = np.nonzero(std)[0]
        mean_abs = np.mean(np.abs(g), axis=0)
        tmpsum = np.sum(mean_abs[nonzero] / std[nonzero])
        if tmpsum != 0:
            total += np.log(tmpsum)
            layers += 1
    return float(total), layers


def meco(net, x):
    """measures/meco.py's get_score on one image, the hook on every module."""
    net = copy.deepcopy(net).train()
    results = []

    def hook(_module, _inputs, out):
        fea = out[0].detach()
        fea = fea.reshape(fea.shape[0], -1)
        # A one-channel map: torch.corrcoef returns a 0-d tensor and torch.linalg.eig raises, which
        # compute_meco's try/except turns into NaN for the whole network; here (and in mednas) its
        # correlation matrix is the 1 x 1 matrix it is ([1], or [0] for a constant channel).
        corr = torch.corrcoef(fea).reshape(fea.shape[0], fea.shape[0])
        corr[torch.isnan(corr)] = 0
        corr[torch.isinf(corr)] = 0
        values = torch.linalg.eig(corr)[0]
        results.append(torch.min(torch.real(values)).item())

    handles = [m.register_forward_hook(hook) for _, m in net.named_modules()]
    with torch.no_grad():
        net(x[:1])
    for h in handles:
        h.remove()
    r = np.array(results)
    r = r[~np.isnan(r)]
    return float(np.sum(r)), len(results)


def case(name, genotype, in_channels, num_classes, init_channels, n, seed, multi_label=False):
    net, x, y, labels = fixed_case(genotype, in_channels, num_classes, init_channels, n, seed, multi_label)
    z, zico_layers = zico(net, x, y, multi_label)
    m, meco_calls = meco(net, x)
    return {
        'name': name, 'genotype': list(genotype), 'inChannels': in_channels, 'numClasses': num_classes,
        'initChannels': init_channels, 'batch': n, 'seed': seed, 'multiLabel': multi_label, 'labels': labels,
        'values': {'zico': z, 'meco': m}, 'zicoLayers': zico_layers, 'mecoCalls': meco_calls,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    parser.add_argument('--out', default=os.path.join(root, 'fixtures', 'proxy-zico-meco-golden.json'))
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    cases = [
        case('paper-c8', PAPER_GENOTYPE, 1, 2, 8, 16, 1),
        case('mixed-c8', MIXED_GENOTYPE, 1, 2, 8, 10, 3),
        case('random-c4-rgb', random_genotype(np.random.default_rng(3)), 3, 5, 4, 9, 4),
        case('mixed-c8-multilabel', MIXED_GENOTYPE, 1, 3, 8, 8, 5, multi_label=True),
    ]
    with open(args.out, 'w') as f:
        json.dump({'format': 'mednas-proxy-zico-meco-golden', 'version': 1, 'zicoSplits': ZICO_SPLITS, 'cases': cases}, f, indent=1)
        f.write('\n')
    print(f'{args.out}: {os.path.getsize(args.out)} bytes')
    for c in cases:
        print(c['name'], {k: f'{v:.9g}' for k, v in c['values'].items()}, 'zico layers', c['zicoLayers'], 'meco calls', c['mecoCalls'])


if __name__ == '__main__':
    main()
