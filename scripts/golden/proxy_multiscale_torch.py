#!/usr/bin/env python3
"""mednas's multi-scale proxies (src/proxies/multiscale.ts) in PyTorch float64 on the space of
mstf_torch.py: writes fixtures/proxy-multiscale-golden.json, which test/proxies/multiscale.test.ts
compares mednas's f32 values against.

    /usr/bin/python3 scripts/golden/proxy_multiscale_torch.py     # writes fixtures/proxy-multiscale-golden.json

Run by hand (Debian's python3-torch, numpy); tests read the fixture without Python. Weights, images and
labels are those of proxies_torch.py's `fixed_case`.

- The coarse view at block size s: F.avg_pool2d(x, s) then nearest upsampling by s (28 px: s = 2, 4
  divide it, so every block is whole).
- ms_fisher: the mean over s in (1, 2, 4) of ln fisher(coarse view) (proxies_torch.py's fisher).
- ms_consistency: train mode, no gradient; the classifier's input (the pooled features, N x F) for
  the images and for each coarse view; per image the cosine of the two feature vectors; the mean
  over images, then over s in (2, 4).
"""
import argparse
import copy
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

from mstf_torch import MIXED_GENOTYPE, PAPER_GENOTYPE, random_genotype
from proxies_torch import fisher, fixed_case

FACTORS = (1, 2, 4)


def coarse(x, s):
    return x.clone() if s == 1 else F.interpolate(F.avg_pool2d(x, s), scale_factor=s, mode='nearest')


def ms_fisher(net, x, y, multi_label):
    return float(np.mean([math.log(fisher(net, coarse(x, s), y, multi_label)) for s in FACTORS]))


def pooled_features(net, x):
    seen = {}
    handle = net.classifier.register_forward_pre_hook(lambda _m, inputs: seen.__setitem__('f', inputs[0].detach()))
    with torch.no_grad():
        net(x)
    handle.remove()
    return seen['f']


def ms_consistency(net, x):
    net = copy.deepcopy(net).train()
    views = [pooled_features(net, coarse(x, s)) for s in FACTORS]
    return float(np.mean([F.cosine_similarity(views[0], v, dim=1).mean().item() for v in views[1:]]))


def case(name, genotype, in_channels, num_classes, init_channels, n, seed, multi_label=False):
    net, x, y, labels = fixed_case(genotype, in_channels, num_classes, init_channels, n, seed, multi_label)
    return {
        'name': name, 'genotype': list(genotype), 'inChannels': in_channels, 'numClasses': num_classes,
        'initChannels': init_channels, 'batch': n, 'seed': seed, 'multiLabel': multi_label, 'labels': labels,
        'values': {'ms_fisher': ms_fisher(net, x, y, multi_label), 'ms_consistency': ms_consistency(net, x)},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    parser.add_argument('--out', default=os.path.join(root, 'fixtures', 'proxy-multiscale-golden.json'))
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    cases = [
        case('paper-c8', PAPER_GENOTYPE, 1, 2, 8, 16, 1),
        case('mixed-c8', MIXED_GENOTYPE, 1, 2, 8, 10, 3),
        case('random-c4-rgb', random_genotype(np.random.default_rng(3)), 3, 5, 4, 9, 4),
        case('mixed-c8-multilabel', MIXED_GENOTYPE, 1, 3, 8, 8, 5, multi_label=True),
    ]
    with open(args.out, 'w') as f:
        json.dump({'format': 'mednas-proxy-multiscale-golden', 'version': 1, 'factors': list(FACTORS), 'cases': cases}, f, indent=1)
        f.write('\n')
    print(f'{args.out}: {os.path.getsize(args.out)} bytes')
    for c in cases:
        print(c['name'], {k: f'{v:.9g}' for k, v in c['values'].items()})


if __name__ == '__main__':
    main()
