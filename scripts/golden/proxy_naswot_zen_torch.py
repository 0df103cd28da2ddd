#!/usr/bin/env python3
"""naswot and zen in PyTorch float64 on mstf_torch.py's network: writes fixtures/proxy-naswot-zen-golden.json,
which test/proxies/naswot-zen.test.ts compares mednas's f32 values against.

    /usr/bin/python3 scripts/golden/proxy_naswot_zen_torch.py   # writes fixtures/proxy-naswot-zen-golden.json

Run by hand (Debian's python3-torch 1.13, numpy); tests read the fixture without Python.

Weights and images are those of proxies_torch.py (generated from its 32-bit hash on both sides, so
nothing is stored). The definitions are mednas's (src/proxies/naswot.ts and zen.ts say where they
follow and where they leave the reference code):

- naswot (Mellor et al., ICML 2021; BayesWatch/nas-without-training, score_networks.py and
  scores.py): forward hooks on every nn.ReLU take the codes (input > 0) of the ReLU's input,
  K += c c^T + (1 - c)(1 - c)^T, score = numpy.linalg.slogdet(K)[1]. Train mode (batch statistics),
  as the reference runs its networks.
- zen (Lin et al., ICCV 2021; idstcv/ZenNAS, ZeroShotProxy/compute_zen_score.py): train mode, no
  gradients, f = the features before global pooling, forwards of x and then x + 0.01 eps,
  score = ln(mean_n sum_chw |f(x) - f(x + 0.01 eps)|) + sum over BatchNorms of
  ln(sqrt(mean(running_var))) read after both forwards. Unlike the reference: the network's own
  weights (no N(0, 1) re-initialisation), the proxy batch as x (not Gaussian noise), eps fixed
  (Box-Muller of two hash streams, `zen_noise`, mirrored by src/proxies/zen.ts `zenNoise`), and
  x + 0.01 eps rounded to float32 as the engine holds it.
"""
import argparse
import copy
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn

from mstf_torch import MIXED_GENOTYPE, PAPER_GENOTYPE, build_network, random_genotype
from proxies_torch import fixed_batch, hash_uniform, set_fixed_weights

ZEN_ALPHA = 0.01
ZEN_NOISE_SEED = 0
ZEN_NOISE_STREAM = 2_000_000

# Block 1's nodes are all zero ops: the first normal cell outputs zeros (test/proxies/scoring.test.ts's DEAD).
DEAD_GENOTYPE = [0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 1, 2, 3] + PAPER_GENOTYPE[14:]
# Block 2's normal cell dead instead: the ReLUs of block 1 still see the images, so the reference's
# naswot is finite although the output ignores the input (mednas scores dead genotypes -Infinity).
DEAD2_GENOTYPE = PAPER_GENOTYPE[:14] + [0, 0, 0, 1, 0, 2, 0, 3, 0, 4] + PAPER_GENOTYPE[24:]


def zen_noise(n):
    """n standard Gaussians: sqrt(-2 ln(u1 + 2^-25)) cos(2 pi u2), u1 and u2 from two hash streams."""
    u1 = hash_uniform(ZEN_NOISE_SEED, ZEN_NOISE_STREAM, n)
    u2 = hash_uniform(ZEN_NOISE_SEED, ZEN_NOISE_STREAM + 1, n)
    return np.sqrt(-2.0 * np.log(u1 + 2.0 ** -25)) * np.cos(2.0 * np.pi * u2)


def naswot(net, x):
    net = copy.deepcopy(net).train()
    n = x.shape[0]
    acc = {'K': np.zeros((n, n)), 'units': 0, 'layers': 0}

    def hook(_m, inputs, _out):
        c = (inputs[0].reshape(n, -1) > 0).double()
        acc['K'] += (c @ c.t() + (1.0 - c) @ (1.0 - c).t()).numpy()
        acc['units'] += c.shape[1]
        acc['layers'] += 1

    hooks = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        net(x)
    for h in hooks:
        h.remove()
    sign, logdet = np.linalg.slogdet(acc['K'])
    return float(logdet), {'sign': float(sign), 'units': acc['units'], 'layers': acc['layers'],
                           'minEigenvalue': float(np.linalg.eigvalsh(acc['K']).min())}


def pre_gap(net, x):
    return net.blocks(net.stem(x))


def zen(net, x):
    net = copy.deepcopy(net).train()
    eps = zen_noise(x.numel()).reshape(tuple(x.shape))
    x2 = torch.from_numpy((x.numpy() + ZEN_ALPHA * eps).astype(np.float32).astype(np.float64))
    with torch.no_grad():
        f1 = pre_gap(net, x)
        f2 = pre_gap(net, x2)
        delta = torch.sum(torch.abs(f1 - f2), dim=[1, 2, 3]).mean().item()
        bn = sum(torch.log(torch.sqrt(torch.mean(m.running_var))).item() for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    value = math.log(delta) + bn if delta > 0 else -math.inf
    return value, {'delta': delta, 'bnTerm': bn}


def finite_or_none(v):
    return v if math.isfinite(v) else None


def case(name, genotype, in_channels, num_classes, init_channels, n, seed):
    net = build_network(genotype, in_channels, num_classes, init_channels)
    set_fixed_weights(net, seed)
    x = fixed_batch(seed, n, in_channels)
    nw, nw_info = naswot(net, x)
    z, z_info = zen(net, x)
    return {
        'name': name, 'genotype': list(genotype), 'inChannels': in_channels, 'numClasses': num_classes,
        'initChannels': init_channels, 'batch': n, 'seed': seed,
        'values': {'naswot': finite_or_none(nw), 'zen': finite_or_none(z)},
        'naswot': nw_info, 'zen': z_info,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    parser.add_argument('--out', default=os.path.join(root, 'fixtures', 'proxy-naswot-zen-golden.json'))
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    cases = [
        case('paper-c8', PAPER_GENOTYPE, 1, 2, 8, 16, 11),
        case('paper-c16', PAPER_GENOTYPE, 1, 2, 16, 8, 12),
        case('mixed-c4', MIXED_GENOTYPE, 1, 2, 4, 12, 13),
        case('random-c8-rgb', random_genotype(np.random.default_rng(3)), 3, 5, 8, 10, 14),
        case('dead-c8', DEAD_GENOTYPE, 1, 2, 8, 8, 15),
        case('dead2-c8', DEAD2_GENOTYPE, 1, 2, 8, 8, 16),
    ]
    with open(args.out, 'w') as f:
        json.dump({'format': 'mednas-proxy-naswot-zen-golden', 'version': 1, 'zenAlpha': ZEN_ALPHA,
                   'zenNoise': {'seed': ZEN_NOISE_SEED, 'stream': ZEN_NOISE_STREAM, 'first': zen_noise(4).tolist()},
                   'cases': cases}, f, indent=1, allow_nan=False)
        f.write('\n')
    print(f'{args.out}: {os.path.getsize(args.out)} bytes')
    for c in cases:
        print(c['name'], c['values'], {k: f'{v:.6g}' for k, v in c['naswot'].items()}, {k: f'{v:.6g}' for k, v in c['zen'].items()})


if __name__ == '__main__':
    main()
