#!/usr/bin/env python3
"""The MSTF-NAS search space in PyTorch (float64): THE reference definition that src/space mirrors.

Same module structure and dotted names as mednas's network (src/space/network.ts), so a state dict
maps one-to-one (less BatchNorm's `num_batches_tracked`, which mednas does not keep: momentum is
fixed). Importable (`from mstf_torch import build_network`); run as a script it writes the golden
fixtures that test/space/golden.test.ts compares against:

    /usr/bin/python3 scripts/golden/mstf_torch.py            # writes fixtures/space-golden-*.npz

Run by hand (Debian's python3-torch 1.13, numpy); tests read the fixtures without Python.
"""
import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

NORMAL_OPS = [
    'zero', 'identity', 'sep_conv_3x3', 'sep_conv_5x5', 'sep_conv_7x7',
    'dil_sep_conv_3x3', 'dil_sep_conv_5x5', 'dual_conv_7x7',
]
REDUCTION_OPS = ['avg_pool_2x2', 'max_pool_2x2', 'avg_pool_3x3', 'max_pool_3x3', 'avg_pool_4x4', 'max_pool_4x4']
NODES = 5
POOLS = 4
GENES_PER_BLOCK = 2 * NODES + POOLS
PAPER_GENOTYPE = [
    2, 0, 4, 1, 3, 0, 2, 0, 2, 4, 0, 5, 5, 2,
    7, 0, 2, 1, 7, 0, 2, 3, 1, 4, 5, 2, 5, 5,
    4, 0, 5, 0, 4, 2, 3, 3, 1, 0, 4, 1, 2, 4,
]


class MainOp(nn.Module):
    """An op whose layers sit in one Sequential named `main` (the dotted names say `...main.2.weight`)."""

    def __init__(self, *layers):
        super().__init__()
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x)


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


def sep_conv_layers(cin, cout, k, stride=1, affine=True):
    def half(i, o, s):
        return [
            nn.ReLU(inplace=False),
            nn.Conv2d(i, i, k, stride=s, padding=k // 2, groups=i, bias=False),
            nn.Conv2d(i, o, 1, bias=False),
            nn.BatchNorm2d(o, affine=affine),
        ]
    return half(cin, cin, stride) + half(cin, cout, 1)


def dil_sep_conv_layers(c, k):
    return [
        nn.ReLU(inplace=False),
        nn.Conv2d(c, c, k, padding=2 * (k // 2), dilation=2, groups=c, bias=False),
        nn.Conv2d(c, c, 1, bias=False),
        nn.BatchNorm2d(c),
    ]


def dual_conv_layers(c, k):
    p = k // 2
    return [
        nn.ReLU(inplace=False),
        nn.Conv2d(c, c, (1, k), padding=(0, p), bias=False),
        nn.Conv2d(c, c, (k, 1), padding=(p, 0), bias=False),
        nn.BatchNorm2d(c),
    ]


def relu_conv_bn_layers(cin, cout):
    return [nn.ReLU(inplace=False), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout)]


def halving_padding(kernel, size):
    """Padding so that a stride-2 window gives floor(size / 2) outputs (3x3: 1 at even sizes, 0 at odd)."""
    return math.ceil(kernel / 2) - 1 if size % 2 == 0 else math.ceil((kernel - 1) / 2) - 1


class HalvingPool(nn.Module):
    def __init__(self, kind, kernel):
        super().__init__()
        self.kind, self.kernel = kind, kernel

    def forward(self, x):
        padding = (halving_padding(self.kernel, x.shape[2]), halving_padding(self.kernel, x.shape[3]))
        if self.kind == 'max':
            return F.max_pool2d(x, self.kernel, stride=2, padding=padding)
        return F.avg_pool2d(x, self.kernel, stride=2, padding=padding, count_include_pad=False)


def normal_op(index, c):
    name = NORMAL_OPS[index]
    if name == 'zero':
        return Zero()
    if name == 'identity':
        return nn.Identity()
    k = int(name[-1])
    if name.startswith('sep_conv'):
        return MainOp(*sep_conv_layers(c, c, k))
    if name.startswith('dil_sep_conv'):
        return MainOp(*dil_sep_conv_layers(c, k))
    return MainOp(*dual_conv_layers(c, k))


def reduction_op(index, c):
    name = REDUCTION_OPS[index]
    return MainOp(HalvingPool(name[:3], int(name[-1])), *relu_conv_bn_layers(c, c // POOLS))


def normal_outputs(inputs):
    """The states (1..5) that no node reads: the cell averages them."""
    return [s for s in range(1, len(inputs) + 1) if s not in set(inputs)]


class NormalCell(nn.Module):
    def __init__(self, c, genes):
        super().__init__()
        ops, self.inputs = genes[0::2], genes[1::2]
        self.ops = nn.ModuleList([normal_op(o, c) for o in ops])
        self.outputs = normal_outputs(self.inputs)

    def forward(self, x):
        states = [x]
        for op, i in zip(self.ops, self.inputs):
            states.append(op(states[i]))
        return torch.stack([states[s] for s in self.outputs], dim=0).mean(dim=0)


class ReductionCell(nn.Module):
    def __init__(self, c, pools):
        super().__init__()
        self.branches = nn.ModuleList([reduction_op(p, c) for p in pools])
        self.fuse = MainOp(*relu_conv_bn_layers(c, 2 * c))

    def forward(self, x):
        return self.fuse(torch.cat([b(x) for b in self.branches], dim=1))


class Block(nn.Module):
    def __init__(self, c, genes):
        super().__init__()
        self.normal = NormalCell(c, genes[:2 * NODES])
        self.reduction = ReductionCell(c, genes[2 * NODES:])

    def forward(self, x):
        return self.reduction(self.normal(x))


class MSTFNetwork(nn.Module):
    def __init__(self, genotype, in_channels, num_classes, init_channels=128):
        super().__init__()
        assert len(genotype) % GENES_PER_BLOCK == 0 and init_channels % POOLS == 0
        c = init_channels
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        blocks = []
        for b in range(len(genotype) // GENES_PER_BLOCK):
            blocks.append(Block(c, genotype[b * GENES_PER_BLOCK:(b + 1) * GENES_PER_BLOCK]))
            c *= 2
        self.blocks = nn.Sequential(*blocks)
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x):
        y = self.global_pool(self.blocks(self.stem(x)))
        return self.classifier(y.flatten(1))


def build_network(genotype, in_channels=1, num_classes=2, init_channels=128):
    """The float64 network of `genotype` with PyTorch's default initialisation."""
    return MSTFNetwork(list(genotype), in_channels, num_classes, init_channels).double()


def parameter_count(net):
    return sum(p.numel() for p in net.parameters())


def mednas_state(net):
    """The state dict as mednas names it (no num_batches_tracked), as numpy float64 arrays."""
    return {k: v.detach().cpu().numpy().copy() for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}


def count_macs(net, x):
    """Conv and linear multiply-accumulates per image, counted by forward hooks from the real shapes."""
    total = [0]

    def hook(m, _inputs, y):
        per = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1] if isinstance(m, nn.Conv2d) else m.in_features
        total[0] += y.numel() * per

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        net.eval()(x)
    for h in handles:
        h.remove()
    return total[0] // x.shape[0]


def _bfloat(a):
    """Rounds to bfloat16-representable values kept as float32: exact in f32 and f64 alike, and they
    compress (the low 16 bits are zero), which keeps the fixtures small."""
    bits = np.asarray(a, dtype=np.float32).view(np.uint32)
    rounded = ((bits.astype(np.uint64) + 0x8000) & 0xFFFF0000).astype(np.uint32)
    return rounded.view(np.float32)


def golden_case(genotype, in_channels, num_classes, batch, seed, init_channels=8):
    """Weights, a batch, and the float64 outputs in eval mode and in train mode, plus the running
    statistics after the train-mode pass. Weights: PyTorch's default init, BN scale and shift
    randomised; running statistics calibrated on another batch (so that eval mode keeps the signal
    alive: with the initial 0/1 statistics the activations shrink ~3x per conv and the logits no
    longer depend on the input) and then perturbed. All values are rounded to bfloat16-representable
    numbers kept as float32, so that both sides compute with exactly the same values."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = build_network(genotype, in_channels, num_classes, init_channels)
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for m in bns:
            m.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, m.num_features)))
            m.bias.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, m.num_features)))
            m.momentum = 1.0  # running statistics := the calibration batch's
        net.train()(torch.from_numpy(rng.uniform(0, 1, (8, in_channels, 28, 28))))
        for m in bns:
            m.momentum = 0.1
            std = m.running_var.sqrt()
            m.running_mean.add_(std * torch.from_numpy(rng.uniform(-0.1, 0.1, m.num_features)))
            m.running_var.mul_(torch.from_numpy(rng.uniform(0.8, 1.25, m.num_features)))
        for name, t in net.state_dict().items():
            if not name.endswith('num_batches_tracked'):
                t.copy_(torch.from_numpy(_bfloat(t.numpy()).astype(np.float64)))
    x = torch.from_numpy(_bfloat(rng.uniform(0, 1, (batch, in_channels, 28, 28))).astype(np.float64))
    state = mednas_state(net)
    with torch.no_grad():
        eval_out = net.eval()(x)
        train_out = net.train()(x)
    after = {k: v for k, v in mednas_state(net).items() if 'running_' in k}
    arrays, index = {}, {}
    # Two flat arrays and a JSON index ([name, shape, offset] each, as UTF-8 bytes) instead of one
    # npz entry per tensor: ~300 entries would cost more in headers than the weights themselves.
    for key, tensors, dtype in [('state', state, np.float32), ('after_train', after, np.float64)]:
        offset, entries = 0, []
        for name, v in tensors.items():
            entries.append([name, list(v.shape), offset])
            offset += v.size
        index[key] = entries
        arrays[key] = np.concatenate([v.ravel() for v in tensors.values()]).astype(dtype)
    arrays.update({
        'index': np.frombuffer(json.dumps(index).encode(), dtype=np.uint8),
        'input': x.numpy().astype(np.float32),
        'output.eval': eval_out.numpy(),
        'output.train': train_out.numpy(),
        'meta.genotype': np.array(genotype, dtype=np.int32),
        'meta.config': np.array([in_channels, num_classes, init_channels], dtype=np.int32),
        'meta.params': np.array([parameter_count(net)], dtype=np.float64),
        'meta.macs': np.array([count_macs(net, x[:1])], dtype=np.float64),
    })
    big = build_network(genotype, in_channels, num_classes, 128)
    arrays['meta.params_c128'] = np.array([parameter_count(big)], dtype=np.float64)
    arrays['meta.macs_c128'] = np.array([count_macs(big, torch.zeros(1, in_channels, 28, 28, dtype=torch.float64))], dtype=np.float64)
    return arrays


# Every normal op and every pooling op appears in these three, max/avg 3x3 also at odd sizes (7):
# the paper's genotype lacks zero, dil_sep_conv_5x5 and max_pool_3x3; MIXED has them, a zero state
# inside a mean, and a zero node feeding an identity.
MIXED_GENOTYPE = [
    6, 0, 0, 0, 7, 1, 1, 2, 2, 0, 3, 3, 0, 5,
    5, 0, 6, 1, 3, 0, 0, 2, 4, 3, 2, 3, 4, 5,
    1, 0, 6, 1, 0, 0, 3, 2, 7, 4, 3, 2, 3, 0,
]


def random_genotype(rng, blocks=3):
    g = []
    for _ in range(blocks):
        for k in range(NODES):
            g += [int(rng.integers(0, len(NORMAL_OPS))), int(rng.integers(0, k + 1))]
        g += [int(rng.integers(0, len(REDUCTION_OPS))) for _ in range(POOLS)]
    return g


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    parser.add_argument('--out', default=os.path.join(root, 'fixtures'))
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    cases = {
        'paper': golden_case(PAPER_GENOTYPE, 1, 2, batch=4, seed=1),
        'mixed': golden_case(MIXED_GENOTYPE, 1, 2, batch=4, seed=2),
        'random': golden_case(random_genotype(np.random.default_rng(3)), 3, 5, batch=3, seed=3),
    }
    for name, arrays in cases.items():
        path = os.path.join(args.out, f'space-golden-{name}.npz')
        np.savez_compressed(path, **arrays)
        print(f'{path}: {os.path.getsize(path)} bytes, genotype {arrays["meta.genotype"].tolist()}, '
              f'{int(arrays["meta.params"][0])} params at C=8, {int(arrays["meta.params_c128"][0])} at C=128, '
              f'eval logits spread over the batch {np.ptp(arrays["output.eval"], axis=0).max():.3g}, '
              f'train {np.ptp(arrays["output.train"], axis=0).max():.3g}')


if __name__ == '__main__':
    main()
