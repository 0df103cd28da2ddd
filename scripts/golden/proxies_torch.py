#!/usr/bin/env python3
"""The training-free proxies in PyTorch float64, as the reference code defines them, on the space of
mstf_torch.py (the one PyTorch definition of the network): writes fixtures/proxies-golden.json, which
test/proxies/golden.test.ts compares mednas's f32 values against.

    /usr/bin/python3 scripts/golden/proxies_torch.py          # writes fixtures/proxies-golden.json

Run by hand (Debian's python3-torch 1.13, numpy); tests read the fixture without Python.

The reference definitions are foresight/pruners/measures/*.py of the zero-cost-proxies code
(SamsungLabs/zero-cost-nas, Abdelfattah et al. 2021). Weights and images are not stored: both sides
generate them from a 32-bit hash of (seed, tensor index, element index) (`hash_uniform`, mirrored by
test/proxies/fixed-weights.ts), uniform in +-1/sqrt(fan_in) for conv and linear weights and biases
(PyTorch's default bounds), rounded to float32, so both compute with exactly the same numbers and
the fixture stays a few kilobytes even for the C = 128 synflow cases. BatchNorm keeps PyTorch's
initial state (weight 1, bias 0, running mean 0, variance 1), as scoring a freshly built network does.
"""
import argparse
import copy
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from mstf_torch import MIXED_GENOTYPE, PAPER_GENOTYPE, build_network, random_genotype

K = 1e-5  # jacob_cov's k
MASK32 = 0xFFFFFFFF


def mix32(z):
    """A 32-bit avalanche hash on uint64 arrays holding uint32 values (mednas's Rng uses the same)."""
    z = z & MASK32
    t = z ^ (z >> 16)
    t = (t * 0x21F0AAAD) & MASK32
    t ^= t >> 15
    t = (t * 0x735A2D97) & MASK32
    return t ^ (t >> 15)


def hash_uniform(seed, stream, n):
    """n values in [0, 1) (24 bits each) from (seed, stream): u[i] = mix32(i * phi + key) / 2^24."""
    key = int(mix32(np.array([(seed * 0x9E3779B1 + stream * 0x85EBCA77 + 1) & MASK32], dtype=np.uint64))[0])
    i = np.arange(n, dtype=np.uint64)
    h = mix32(((i * 0x9E3779B1) & MASK32) + key)
    return (h >> 8).astype(np.float64) / 16777216.0


def fan_in(module):
    if isinstance(module, nn.Conv2d):
        return module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
    return module.in_features


def set_fixed_weights(net, seed):
    """Conv and linear weights and biases from hash_uniform, stream = the parameter's position in
    named_parameters() (BatchNorm parameters take a position but keep their initial values)."""
    owners = {}
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            for p in m.parameters(recurse=False):
                owners[id(p)] = m
    with torch.no_grad():
        for stream, (_, p) in enumerate(net.named_parameters()):
            m = owners.get(id(p))
            if m is None:
                continue
            bound = 1.0 / math.sqrt(fan_in(m))
            u = hash_uniform(seed, stream, p.numel())
            p.copy_(torch.from_numpy((bound * (2.0 * u - 1.0)).astype(np.float32).astype(np.float64)).view_as(p))


INPUT_STREAM = 1_000_000


def fixed_batch(seed, n, channels, size=28):
    """Images uniform in [-1, 1) rounded to float32, from stream INPUT_STREAM."""
    u = hash_uniform(seed, INPUT_STREAM, n * channels * size * size)
    return torch.from_numpy((2.0 * u - 1.0).astype(np.float32).astype(np.float64)).view(n, channels, size, size)


def scored_layers(net):
    return [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def loss_fn(logits, y, multi_label):
    return F.binary_cross_entropy_with_logits(logits, y) if multi_label else F.cross_entropy(logits, y)


# ---- jacob_cov (measures/jacob_cov.py) and its BatchNorm modes ---------------------------------------

def batch_constant_bn(net):
    """BatchNorm with the batch's mean and biased variance passed as constants (no gradient through them)."""
    def forward(self, x):
        m = x.mean((0, 2, 3)).detach()
        v = x.var((0, 2, 3), unbiased=False).detach()
        return F.batch_norm(x, m, v, self.weight, self.bias, False, 0.0, self.eps)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.forward = forward.__get__(m)


def jacobian(net, x, mode):
    net = copy.deepcopy(net)
    if mode == 'eval':
        net.eval()
    else:
        net.train()
        if mode == 'batchstats':
            batch_constant_bn(net)
    x = x.clone().requires_grad_(True)
    y = net(x)
    y.backward(torch.ones_like(y))
    return x.grad.detach().reshape(x.shape[0], -1).numpy()


def jacob_cov_score(jac):
    corr = np.corrcoef(jac)
    v = np.linalg.eigvalsh(corr)  # symmetric solver; the reference's np.linalg.eig gives the same spectrum here
    return float(-np.sum(np.log(v + K) + 1.0 / (v + K))), v


# ---- synflow (measures/synflow.py) -----------------------------------------------------------------

def synflow(net, in_channels, dtype=torch.float64):
    net = copy.deepcopy(net).to(dtype)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.forward = (lambda x: x)
    with torch.no_grad():
        for _, p in net.state_dict().items():
            p.abs_()
    net.zero_grad()
    out = net(torch.ones(1, in_channels, 28, 28, dtype=dtype))
    torch.sum(out).backward()
    total = sum(torch.abs(m.weight * m.weight.grad).sum().item() for m in scored_layers(net))
    return total


# ---- snip, grad_norm, plain, l2_norm, fisher, grasp -----------------------------------------------

def gradient_proxies(net, x, y, multi_label):
    net = copy.deepcopy(net).train()
    net.zero_grad()
    loss_fn(net(x), y, multi_label).backward()
    layers = scored_layers(net)
    return {
        'snip': sum((m.weight.grad * m.weight).abs().sum().item() for m in layers),      # measures/snip.py
        'grad_norm': sum(m.weight.grad.norm().item() for m in layers),                    # measures/grad_norm.py
        'plain': sum((m.weight.grad * m.weight).sum().item() for m in layers),            # measures/plain.py
        'l2_norm': sum(m.weight.norm().item() for m in layers),                           # measures/l2_norm.py
    }


def fisher(net, x, y, multi_label):
    """measures/fisher.py: per output channel 0.5 * mean_n (sum_hw act * grad)^2, broadcast over weight.shape[1:]."""
    net = copy.deepcopy(net).train()
    acts = {}

    def keep(m, _inputs, out):
        out.retain_grad()
        acts[m] = out

    hooks = [m.register_forward_hook(keep) for m in scored_layers(net)]
    loss_fn(net(x), y, multi_label).backward()
    for h in hooks:
        h.remove()
    total = 0.0
    for m in scored_layers(net):
        a = acts[m].detach()
        g = acts[m].grad.detach()
        g_nk = (a * g).sum(dim=(2, 3)) if a.dim() > 2 else a * g
        del_k = g_nk.pow(2).mean(0).mul(0.5).abs()
        total += (del_k.sum() * int(np.prod(m.weight.shape[1:]))).item()
    return total


def grasp(net, x, y, multi_label):
    """measures/grasp.py with T = 1: z = sum(stop_grad(g) * dL/dw (with graph)); score = sum(-w * dz/dw)."""
    net = copy.deepcopy(net).train()
    weights = [m.weight for m in scored_layers(net)]
    g = torch.autograd.grad(loss_fn(net(x), y, multi_label), weights)
    gf = torch.autograd.grad(loss_fn(net(x), y, multi_label), weights, create_graph=True)
    z = sum((a.detach() * b).sum() for a, b in zip(g, gf))
    hg = torch.autograd.grad(z, weights)
    return sum((-w.detach() * h).sum().item() for w, h in zip(weights, hg))


def fixed_case(genotype, in_channels, num_classes, init_channels, n, seed, multi_label=False):
    """A golden case's network (fixed weights), images and labels (class indices, or multi-hot rows), and the labels as a list."""
    net = build_network(genotype, in_channels, num_classes, init_channels)
    set_fixed_weights(net, seed)
    x = fixed_batch(seed, n, in_channels)
    if multi_label:
        y = torch.from_numpy((hash_uniform(seed, INPUT_STREAM + 1, n * num_classes) < 0.4).astype(np.float64)).view(n, num_classes)
        labels = y.numpy().astype(int).ravel().tolist()
    else:
        y = torch.arange(n) % num_classes
        labels = y.tolist()
    return net, x, y, labels


def proxy_case(name, genotype, in_channels, num_classes, init_channels, n, seed, multi_label=False):
    net, x, y, labels = fixed_case(genotype, in_channels, num_classes, init_channels, n, seed, multi_label)
    values, jac = {}, {}
    for proxy, mode in [('jacob_cov', 'eval'), ('jacob_cov_batchstats', 'batchstats'), ('jacob_cov_reference', 'train')]:
        j = jacobian(net, x, mode)
        values[proxy], v = jacob_cov_score(j)
        jac[proxy] = {'max_abs': float(np.abs(j).max()), 'min_eigenvalue': float(v.min())}
    s = synflow(net, in_channels)
    values['synflow'] = s
    values['synflow_log'] = math.log(s)
    values.update(gradient_proxies(net, x, y, multi_label))
    values['fisher'] = fisher(net, x, y, multi_label)
    values['grasp'] = grasp(net, x, y, multi_label)
    return {
        'name': name, 'genotype': list(genotype), 'inChannels': in_channels, 'numClasses': num_classes,
        'initChannels': init_channels, 'batch': n, 'seed': seed, 'multiLabel': multi_label, 'labels': labels,
        'parameterNames': [k for k, _ in net.named_parameters()], 'values': values, 'jacobian': jac,
    }


# ln(synflow) about 114 and 108 at C = 128 with PyTorch's init (the measurement): f32 overflows.
SEP7_CHAIN = [4, 0, 4, 1, 4, 2, 4, 3, 4, 4, 1, 1, 1, 1] * 3
DUAL7_CHAIN = [7, 0, 7, 1, 7, 2, 7, 3, 7, 4, 1, 1, 1, 1] * 3


def synflow_case(name, genotype, init_channels, seed):
    net = build_network(genotype, 1, 2, init_channels)
    set_fixed_weights(net, seed)
    s64 = synflow(net, 1)
    s32 = synflow(net, 1, torch.float32)
    return {'name': name, 'genotype': genotype, 'inChannels': 1, 'numClasses': 2, 'initChannels': init_channels,
            'seed': seed, 'synflowLog': math.log(s64), 'float32Overflows': not math.isfinite(s32)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    parser.add_argument('--out', default=os.path.join(root, 'fixtures', 'proxies-golden.json'))
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    random3 = random_genotype(np.random.default_rng(3))
    cases = [
        proxy_case('paper-c8', PAPER_GENOTYPE, 1, 2, 8, 16, 1),
        proxy_case('paper-c16', PAPER_GENOTYPE, 1, 2, 16, 8, 2),
        proxy_case('mixed-c8', MIXED_GENOTYPE, 1, 2, 8, 16, 3),
        proxy_case('random-c8-rgb', random3, 3, 5, 8, 10, 4),
        proxy_case('mixed-c8-multilabel', MIXED_GENOTYPE, 1, 3, 8, 8, 5, multi_label=True),
    ]
    synflow_cases = [
        synflow_case('paper-c128', PAPER_GENOTYPE, 128, 6),
        synflow_case('sep7-chain-c128', SEP7_CHAIN, 128, 7),
        synflow_case('dual7-chain-c128', DUAL7_CHAIN, 128, 8),
    ]
    with open(args.out, 'w') as f:
        json.dump({'format': 'mednas-proxies-golden', 'version': 1, 'k': K, 'cases': cases, 'synflow': synflow_cases}, f, indent=1)
        f.write('\n')
    print(f'{args.out}: {os.path.getsize(args.out)} bytes')
    for c in cases:
        print(c['name'], {k: f'{v:.6g}' for k, v in c['values'].items()}, {k: f"{v['max_abs']:.3g}" for k, v in c['jacobian'].items()})
    for c in synflow_cases:
        print(c['name'], f"ln synflow {c['synflowLog']:.4f}", 'f32 overflows' if c['float32Overflows'] else 'f32 finite')


if __name__ == '__main__':
    main()
