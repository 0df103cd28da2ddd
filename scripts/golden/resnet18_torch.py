#!/usr/bin/env python3
"""ResNet-18 as MedMNIST v2 trains it at 28 x 28, in PyTorch: the reference for src/nn/resnet-plan.ts.

The structure of MedMNIST/experiments MedMNIST2D/models.py `ResNet18(in_channels, num_classes)`
(itself kuangliu/pytorch-cifar's): BasicBlock [2, 2, 2, 2], widths 64/128/256/512, a 3x3 stride-1
stem with BN and ReLU and no max pool, projection shortcuts (conv 1x1 + BN) where a block changes
size or channels, adaptive average pooling, a linear head; PyTorch's default initialisation. The
module names are models.py's (conv1, bn1, layerL.b.{conv1,bn1,conv2,bn2,shortcut.0,shortcut.1},
linear), so the state_dict names are the ones mednas gives.

Run once by hand (Debian's python3-torch 1.13, numpy); the tests read the fixtures without Python:

    /usr/bin/python3 scripts/golden/resnet18_torch.py

writes
  fixtures/resnet18-params.json    for in_channels 1 and 3 x classes 2 and 5: the total trained
                                   parameters, every state_dict tensor's name and shape (in order;
                                   num_batches_tracked left out: mednas does not keep it), which are
                                   parameters, and the multiply-accumulates of one 28 px image
                                   counted by forward hooks (conv: output elements x in/groups x kh x
                                   kw; linear: in x out)
  fixtures/resnet18-forward.json   one train-mode forward and backward in float64 (at width 8, every
                                   stage scaled by 1/8, and at 64) of weights and
                                   images given by a formula (formula_values below, which
                                   test/nn/resnet.test.ts computes the same way, bit for bit in
                                   float32), so the fixture holds no weights: the logits, the
                                   mean cross-entropy, a few gradients, running statistics; at
                                   width 8 the images are the first whose every ReLU input is at
                                   least 4e-5 from 0 (reluMargin), so no ReLU can switch sides in
                                   float32 and every gradient must match
"""
import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# The smallest |input| any ReLU saw since the last reset (None: not recording). A ReLU input within
# float32 rounding of 0 can switch sides between float32 and float64 and send a whole gradient
# element the other way; the forward fixture picks images whose every ReLU input is far from 0.
RELU_MARGIN = {'min': None}


def relu(z):
    if RELU_MARGIN['min'] is not None:
        RELU_MARGIN['min'] = min(RELU_MARGIN['min'], float(z.detach().abs().min()))
    return F.relu(z)


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        layers = []
        if stride != 1 or cin != planes:
            layers = [nn.Conv2d(cin, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes)]
        self.shortcut = nn.Sequential(*layers)

    def forward(self, x):
        h = relu(self.bn1(self.conv1(x)))
        return relu(self.bn2(self.conv2(h)) + self.shortcut(x))


class ResNet18(nn.Module):
    def __init__(self, in_channels, num_classes, width=64):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        cin = width
        for stage, count in enumerate([2, 2, 2, 2]):
            planes = width * 2 ** stage
            blocks = []
            for b in range(count):
                blocks.append(BasicBlock(cin, planes, 2 if (b == 0 and stage > 0) else 1))
                cin = planes
            setattr(self, f'layer{stage + 1}', nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.linear = nn.Linear(cin, num_classes)

    def forward(self, x):
        y = relu(self.bn1(self.conv1(x)))
        for stage in (self.layer1, self.layer2, self.layer3, self.layer4):
            y = stage(y)
        return self.linear(torch.flatten(self.avgpool(y), 1))


def state_entries(model):
    params = {name for name, _ in model.named_parameters()}
    return [
        {'name': name, 'shape': list(t.shape), 'parameter': name in params}
        for name, t in model.state_dict().items() if not name.endswith('num_batches_tracked')
    ]


def count_macs(model, in_channels, size=28):
    macs = []

    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            kh, kw = module.kernel_size
            macs.append(output.numel() * (module.in_channels // module.groups) * kh * kw)
        else:
            macs.append(module.in_features * module.out_features)

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, in_channels, size, size))
    for h in handles:
        h.remove()
    return sum(macs)


def formula_values(n, ordinal, scale, offset=0.0):
    """float32 values offset + scale * (((i * 2654435761 + ordinal * 40503) mod 2^32) / 2^32 - 0.5), i = 0..n-1.

    Every step but the last two is exact in float64 (i * 2654435761 < 2^53 for the sizes used); the
    product by `scale` and the sum with `offset` are single IEEE roundings, then one rounding to float32,
    so JavaScript's doubles and Math.fround give the same bits.
    """
    i = np.arange(n, dtype=np.float64)
    u = np.mod(i * 2654435761.0 + ordinal * 40503.0, 4294967296.0) / 4294967296.0 - 0.5
    return (u * scale + offset).astype(np.float32)


def formula_state(model):
    """Sets every state tensor from formula_values by its state_dict ordinal (see the forward fixture)."""
    state = model.state_dict()
    entries = [(name, t) for name, t in state.items() if not name.endswith('num_batches_tracked')]
    for ordinal, (name, t) in enumerate(entries):
        n = t.numel()
        if name.endswith('running_mean'):
            v = formula_values(n, ordinal, 0.2)
        elif name.endswith('running_var'):
            v = formula_values(n, ordinal, 0.5, 1.0)
        elif t.dim() > 1:  # conv or linear weight: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) like
            fan_in = n // t.shape[0]
            v = formula_values(n, ordinal, 2.0 / math.sqrt(fan_in))
        elif name.endswith('.weight'):  # BatchNorm scale
            v = formula_values(n, ordinal, 0.5, 1.0)
        else:  # BatchNorm shift, linear bias
            v = formula_values(n, ordinal, 0.2)
        t.copy_(torch.from_numpy(v.astype(np.float64)).reshape(t.shape))


FIRST_IMAGE_ORDINAL = 1000
# ReLU inputs this far from 0 keep their side in float32 (mednas's activations differ from float64's
# by ~1e-5 at most), so every gradient must match; see RELU_MARGIN.
SAFE_MARGIN = 4e-5


def train_step(in_channels, num_classes, batch, width, size, ordinal):
    model = ResNet18(in_channels, num_classes, width).double()
    formula_state(model)
    model.train()
    x = torch.from_numpy(formula_values(batch * in_channels * size * size, ordinal, 4.0).astype(np.float64))
    x = x.reshape(batch, in_channels, size, size)
    labels = torch.tensor([i % num_classes for i in range(batch)])
    RELU_MARGIN['min'] = float('inf')
    logits = model(x)
    margin = RELU_MARGIN['min']
    RELU_MARGIN['min'] = None
    return model, labels, logits, margin


def forward_case(in_channels, num_classes, batch, width=64, size=28, tries=1):
    """The first of `tries` image ordinals from FIRST_IMAGE_ORDINAL whose ReLU margin is >= SAFE_MARGIN (else the last)."""
    for ordinal in range(FIRST_IMAGE_ORDINAL, FIRST_IMAGE_ORDINAL + tries):
        model, labels, logits, margin = train_step(in_channels, num_classes, batch, width, size, ordinal)
        if margin >= SAFE_MARGIN:
            break
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    grads = {name: p.grad for name, p in model.named_parameters()}
    watched = ['conv1.weight', 'layer2.0.shortcut.0.weight', 'layer4.1.bn2.weight', 'linear.weight', 'linear.bias']
    return {
        'inChannels': in_channels, 'numClasses': num_classes, 'width': width, 'inputSize': size, 'batch': batch,
        'imageOrdinal': ordinal,
        # The smallest |input| of any ReLU in this forward (float64): >= safeMargin means no ReLU is near a tie.
        'reluMargin': margin,
        'labels': labels.tolist(),
        'logits': logits.detach().reshape(-1).tolist(),
        'loss': loss.item(),
        # Sum of squares of each watched gradient, and its first four values.
        'grads': {name: {'sumSquares': float((grads[name] ** 2).sum()), 'first': grads[name].reshape(-1)[:4].tolist()} for name in watched},
        # The running statistics after this one train-mode step (momentum 0.1, unbiased variance).
        'runningMeanFirst': model.layer4[1].bn2.running_mean[:4].tolist(),
        'runningVarFirst': model.layer4[1].bn2.running_var[:4].tolist(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out-dir', default=os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures'))
    args = parser.parse_args()
    torch.manual_seed(0)
    cases = []
    for in_channels in (1, 3):
        for num_classes in (2, 5):
            model = ResNet18(in_channels, num_classes)
            cases.append({
                'inChannels': in_channels, 'numClasses': num_classes, 'width': 64, 'inputSize': 28,
                'params': sum(p.numel() for p in model.parameters()),
                'macs': count_macs(model, in_channels),
                'state': state_entries(model),
            })
    params_path = os.path.normpath(os.path.join(args.out_dir, 'resnet18-params.json'))
    with open(params_path, 'w') as f:
        json.dump({'format': 'mednas-resnet18-params', 'version': 1, 'torch': torch.__version__, 'cases': cases}, f, indent=1)
        f.write('\n')
    # Width 8 (every stage scaled by 1/8: the same code path, fast enough for the test suite) and the real width 64.
    forward = [forward_case(1, 2, 2, width=8, tries=400), forward_case(3, 5, 3, width=8, tries=400), forward_case(1, 2, 2, width=64)]
    forward_path = os.path.normpath(os.path.join(args.out_dir, 'resnet18-forward.json'))
    with open(forward_path, 'w') as f:
        json.dump({'format': 'mednas-resnet18-forward', 'version': 1, 'torch': torch.__version__, 'safeMargin': SAFE_MARGIN, 'cases': forward}, f, indent=1)
        f.write('\n')
    for c in cases:
        print(f"in {c['inChannels']}, classes {c['numClasses']}: {c['params']:,} params, {c['macs']:,} MACs, {len(c['state'])} state tensors")
    for c in forward:
        print(f"forward: width {c['width']}, in {c['inChannels']}, classes {c['numClasses']}, batch {c['batch']}: image ordinal {c['imageOrdinal']}, ReLU margin {c['reluMargin']:.2e}")
    print(f'wrote {params_path}, {forward_path}')


if __name__ == '__main__':
    main()
