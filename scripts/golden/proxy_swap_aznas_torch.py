#!/usr/bin/env python3
"""SWAP and AZ-NAS's proxies in PyTorch float64, as the authors' code defines them, on the space of
mstf_torch.py: writes fixtures/proxy-swap-aznas-golden.json, which test/proxies/swap-aznas.test.ts
compares mednas's f32 values against.

    /usr/bin/python3 scripts/golden/proxy_swap_aznas_torch.py     # writes fixtures/proxy-swap-aznas-golden.json

Run by hand (Debian's python3-torch 1.13, numpy, scipy); tests read the fixture without Python.

References:
- SWAP: Peng et al., "SWAP-NAS: Sample-Wise Activation Patterns for Ultra-fast NAS", ICLR 2024;
  github.com/pym1024/SWAP, src/metrics/swap.py (hooks on every nn.ReLU with a 4-D input, sign of the
  outputs, torch.unique over the transposed matrix; cal_regular_factor with params in thousands).
- AZ-NAS: Lee & Ham, "AZ-NAS: Assembling Zero-Cost Proxies for Network Architecture Search", CVPR
  2024; github.com/cvlab-yonsei/AZ-NAS, NATSBench/ZeroShotProxy/compute_az_nas_score.py
  (expressivity, progressivity, trainability) and ImageNet_MBV2/evolution_search_az.py (the rank
  aggregation: sum of log(rankdata / m)).

Weights and images come from proxies_torch.py's 32-bit hash (set_fixed_weights, fixed_batch), so both
sides compute with the same numbers. AZ-NAS's random backward (+-1 signs, torch.bernoulli in the
reference) is drawn from the same hash, seed AZ_SEED and stream AZ_STREAM + block index, as
src/proxies/hash-random.ts does. Both networks are in train mode (batch statistics), as the
references leave them. Where this space forces a choice (src/proxies/az-trainability.ts): the last
block's 7 x 7 -> 3 x 3 pair is cropped to 6 x 6 before the PixelUnshuffle(2) that PyTorch would
refuse on 7 x 7.
"""
import argparse
import copy
import json
import math
import os

import numpy as np
import scipy.stats as stats
import torch
import torch.nn as nn
import torch.nn.functional as F

from mstf_torch import MIXED_GENOTYPE, NODES, GENES_PER_BLOCK, PAPER_GENOTYPE, build_network, normal_outputs, parameter_count, random_genotype
from proxies_torch import fixed_batch, hash_uniform, set_fixed_weights

AZ_SEED = 0             # src/proxies/az-trainability.ts AZ_TRAINABILITY_SEED
AZ_STREAM = 2_000_000   # AZ_TRAINABILITY_STREAM; block b (0-based) uses AZ_STREAM + b
NEAR_ZERO = [1e-7, 1e-6, 1e-5]  # relative to the layer input's RMS (see swap_count)
FLIP_ZERO = 1e-6  # ReLU inputs this close to 0 (relative to the layer's RMS) are flipped one at a time (see flip_sensitivity)


def is_live(genotype):
    """No normal cell whose every output state descends from a zero op (src/space/dead.ts)."""
    for b in range(len(genotype) // GENES_PER_BLOCK):
        genes = genotype[b * GENES_PER_BLOCK:b * GENES_PER_BLOCK + 2 * NODES]
        ops, inputs = genes[0::2], genes[1::2]
        dead = [False]
        for op, i in zip(ops, inputs):
            dead.append(op == 0 or dead[i])
        if all(dead[s] for s in normal_outputs(inputs)):
            return False
    return True


# ---- SWAP (src/metrics/swap.py) ---------------------------------------------------------------------

def swap_count(net, x):
    """The number of distinct rows of sign(A)^T, A = the ReLU outputs (N x P), in train mode; plus, for
    the f32 comparison, how many ReLU inputs lie within a small fraction of their layer's RMS of 0
    (the sign of such an activation can differ in f32: each can change the count by at most 1)."""
    net = copy.deepcopy(net).train()
    outputs, inputs = [], []

    def hook(_m, inp, out):
        if isinstance(inp, tuple) and len(inp[0].size()) == 4:
            outputs.append(out.detach())
            inputs.append(inp[0].detach())

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        net(x)
    for h in handles:
        h.remove()
    n = x.shape[0]
    a = torch.cat([o.view(n, -1) for o in outputs], 1)
    count = torch.unique(torch.sign(a).T, dim=0).size(0)
    near = {}
    for rel in NEAR_ZERO:
        total = 0
        for t in inputs:
            rms = float(t.pow(2).mean().sqrt())
            total += int(((t != 0) & (t.abs() <= rel * rms)).sum())
        near[f'{rel:g}'] = total
    return count, a.shape[1], len(outputs), near


def regular_factor(params, mu, sigma):
    """cal_regular_factor: exp(-(params/1e3 - mu)^2 / sigma) (count_parameters divides by 1e3)."""
    return math.exp(-((params / 1e3 - mu) ** 2) / sigma)


# ---- AZ-NAS (compute_az_nas_score.py) ----------------------------------------------------------------

def rademacher(block, n):
    return np.where(hash_uniform(AZ_SEED, AZ_STREAM + block, n) < 0.5, 1.0, -1.0)


def unshuffle(g, ho, wo):
    """PixelUnshuffle(r) of g cropped to r*ho x r*wo (r = int(h_in / h_out) per dimension)."""
    n, c, h, w = g.shape
    rh, rw = h // ho, w // wo
    g = g[:, :, :rh * ho, :rw * wo]
    out = g.reshape(n, c, ho, rh, wo, rw).permute(0, 1, 3, 5, 2, 4).reshape(n, c * rh * rw, ho, wo)
    if rh == rw:
        assert torch.equal(out, F.pixel_unshuffle(g.contiguous(), rh))
    return out


def az_nas(net, x):
    net = copy.deepcopy(net).train()
    feats = [net.stem(x)]
    for block in net.blocks:
        feats.append(block(feats[-1]))
    # expressivity & progressivity, literally
    entropies, min_eig = [], []
    for f in feats:
        feat = f.detach().clone()
        b, c, h, w = feat.size()
        feat = feat.permute(0, 2, 3, 1).contiguous().view(b * h * w, c)
        feat = feat - feat.mean(dim=0, keepdim=True)
        sigma = torch.mm(feat.transpose(1, 0), feat) / feat.size(0)
        s = torch.linalg.eigvalsh(sigma)
        prob = s / s.sum()
        entropies.append(float(((-prob) * torch.log(prob + 1e-8)).sum()))
        min_eig.append(float(s.min() / s.sum()))
    e = np.array(entropies)
    # trainability, literally but for the crop (see the module docstring)
    terms, sigmas = {}, {}
    for i in reversed(range(1, len(feats))):
        f_out, f_in = feats[i], feats[i - 1]
        g_out = torch.from_numpy(rademacher(i - 1, f_out.numel())).view_as(f_out)
        g_in = torch.autograd.grad(outputs=f_out, inputs=f_in, grad_outputs=g_out, retain_graph=True)[0]
        bo, co, ho, wo = g_out.size()
        if g_in.size(2) != ho or g_in.size(3) != wo:
            g_in = unshuffle(g_in, ho, wo)
        ci = g_in.size(1)
        go = g_out.permute(0, 2, 3, 1).contiguous().view(bo * ho * wo, co)
        gi = g_in.permute(0, 2, 3, 1).contiguous().view(bo * ho * wo, ci)
        mat = torch.mm(gi.transpose(1, 0), go) / (bo * ho * wo)
        s = float(torch.linalg.svdvals(mat).max())
        sigmas[i - 1] = s
        terms[i - 1] = -s - 1 / (s + 1e-6) + 2
    order = sorted(terms)
    return {
        'entropies': entropies,
        'minEigenvalueRelative': min_eig,
        'az_expressivity': float(np.sum(e)),
        'az_progressivity': float(np.min(e[1:] - e[:-1])),
        'az_trainability': float(np.mean([terms[k] for k in order])),
        'pairSigmas': [sigmas[k] for k in order],
        'pairTerms': [terms[k] for k in order],
    }


def near_zero_sites(net, x, rel):
    """(ReLU name, flat index) of every ReLU input with 0 < |x| <= rel * RMS of that input, train mode."""
    net = copy.deepcopy(net).train()
    sites = []

    def make(name):
        def hook(_m, inp):
            t = inp[0].detach()
            rms = t.pow(2).mean().sqrt()
            idx = torch.nonzero(((t != 0) & (t.abs() <= rel * rms)).flatten()).flatten().tolist()
            sites.extend((name, i) for i in idx)
        return hook

    for name, m in net.named_modules():
        if isinstance(m, nn.ReLU):
            m.register_forward_pre_hook(make(name))
    with torch.no_grad():
        net(x)
    return sites


def flip_sensitivity(net, x, base):
    """How far trainability moves when one near-zero ReLU input takes the other sign, summed over them.
    Trainability reads ReLU masks in its backward, so a sign that f32 rounding flips moves it by a
    jump, not by a rounding error (the forward values, and so the entropies, barely move)."""
    total = 0.0
    for name, index in near_zero_sites(net, x, FLIP_ZERO):
        flipped = copy.deepcopy(net)

        def hook(_m, inp, index=index):
            t = inp[0].flatten().clone()
            t[index] = -t[index]
            return (t.view_as(inp[0]),)

        dict(flipped.named_modules())[name].register_forward_pre_hook(hook)
        total += abs(az_nas(flipped, x)['az_trainability'] - base)
    return total


def case(name, genotype, in_channels, num_classes, init_channels, n, seed):
    assert is_live(genotype), f'{name}: a dead genotype is not run by mednas'
    net = build_network(genotype, in_channels, num_classes, init_channels)
    set_fixed_weights(net, seed)
    x = fixed_batch(seed, n, in_channels)
    count, positions, relus, near = swap_count(net, x)
    params = parameter_count(net)
    # The regulariser's formula on fixed mu and sigma (mednas derives its own from the space).
    mu, sigma = round(0.9 * params / 1e3, 3), 40.0
    values = {'swap_plain': count, 'swapRegularised': count * regular_factor(params, mu, sigma)}
    values.update(az_nas(net, x))
    flips = flip_sensitivity(net, x, values['az_trainability'])
    return {
        'name': name, 'genotype': list(genotype), 'inChannels': in_channels, 'numClasses': num_classes,
        'initChannels': init_channels, 'batch': n, 'seed': seed, 'params': params,
        'swapPositions': positions, 'swapRelus': relus, 'swapNearZero': near, 'swapMu': mu, 'swapSigma': sigma,
        'trainabilityFlipSensitivity': flips,
        'values': values,
    }


def rank_case():
    """A population of 6 with ties and a NaN (the reference turns NaN into -inf before rankdata)."""
    columns = {
        'az_expressivity': [3.0, 1.0, 2.0, 2.0, float('nan'), 5.0],
        'az_progressivity': [0.5, 0.5, 0.5, -1.0, 0.2, 0.1],
        'az_trainability': [-1.0, -2.0, float('-inf'), -0.5, -3.0, float('nan')],
        'flops': [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
    }
    m = 6
    total = np.zeros(m)
    for v in columns.values():
        a = np.array([-np.inf if np.isnan(t) else t for t in v])
        total += np.log(stats.rankdata(a) / m)
    as_json = {k: [None if math.isnan(t) else (t if math.isfinite(t) else ('-Infinity' if t < 0 else 'Infinity')) for t in v] for k, v in columns.items()}
    return {'columns': as_json, 'expected': total.tolist()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    parser.add_argument('--out', default=os.path.join(root, 'fixtures', 'proxy-swap-aznas-golden.json'))
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    live = [g for g in (random_genotype(np.random.default_rng(s)) for s in range(20, 40)) if is_live(g)]
    cases = [
        case('paper-c8-n16', PAPER_GENOTYPE, 1, 2, 8, 16, 21),
        case('random-c8-n12', live[0], 1, 2, 8, 12, 22),
        case('random-c4-rgb-n8', live[1], 3, 5, 4, 8, 23),
        case('mixed-c4-n30', MIXED_GENOTYPE, 1, 3, 4, 30, 24),  # 30 images: two packed words per pattern
        # C = 16 on grey images: the stem's map has rank <= 9, so 7 of its 16 eigenvalues are zero in
        # exact arithmetic (f32 makes them ~1e-7 of the trace: the entropy's precision case).
        case('paper-c16-n8', PAPER_GENOTYPE, 1, 2, 16, 8, 25),
    ]
    with open(args.out, 'w') as f:
        json.dump({'format': 'mednas-proxy-swap-aznas-golden', 'version': 1, 'azSeed': AZ_SEED, 'azStream': AZ_STREAM,
                   'cases': cases, 'rankAggregation': rank_case()}, f, indent=1)
        f.write('\n')
    print(f'{args.out}: {os.path.getsize(args.out)} bytes')
    for c in cases:
        v = c['values']
        print(c['name'], f"swap {v['swap_plain']} of {c['swapPositions']} positions ({c['swapRelus']} ReLUs), near zero {c['swapNearZero']};",
              f"E {[round(e, 4) for e in v['entropies']]} expr {v['az_expressivity']:.6f} prog {v['az_progressivity']:.6f}",
              f"train {v['az_trainability']:.6f} (flips {c['trainabilityFlipSensitivity']:.2e}) sigmas {[round(s, 5) for s in v['pairSigmas']]}")


if __name__ == '__main__':
    main()
