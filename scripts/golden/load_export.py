#!/usr/bin/env python3
"""Loads mednas weight exports into the PyTorch reference network and prints its logits.

For each FILE (`mednas export MODEL --format npz|safetensors`): builds mstf_torch.py's network for
the genotype (or resnet18_torch.py's ResNet18 for a ResNet-18 model), loads the file with
load_state_dict(strict=True) and prints one JSON line: {"file", "architecture", "genotype", "keys",
"metadata", "logits"} (logits in eval mode, float64, for --images; genotype null for ResNet-18).

    /usr/bin/python3 scripts/golden/load_export.py model.safetensors model.npz --genotype 2,0,4,... --images x.npz
    /usr/bin/python3 scripts/golden/load_export.py resnet.npz --arch resnet18 --images x.npz

The architecture and genotype come from the safetensors __metadata__, else --arch / --genotype
(needed for .npz, which has no metadata); image channels, classes and C (ResNet's width) from the
tensors' shapes. --images: an .npz holding
'images', float32 [N, C, H, W] (normalised as mednas feeds its network); default: no logits.
The .safetensors file is parsed here by its spec (8-byte little-endian header length, JSON header,
raw data), and also with the safetensors package where it is installed. Exit code 3 with a message
when torch is missing (the test skips then), 1 on any fault.
"""
import argparse
import json
import os
import struct
import sys

try:
    import numpy as np
    import torch
except ImportError as e:  # the test reads exit code 3 as "skip"
    print(f'load_export.py: {e}: needs numpy and torch (Debian: apt install python3-torch)', file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mstf_torch import build_network  # noqa: E402
from resnet18_torch import ResNet18  # noqa: E402

DTYPES = {'F32': '<f4', 'F64': '<f8', 'I64': '<i8'}


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    if 8 + n > len(data):
        raise ValueError(f'{path}: header length {n} runs past the end ({len(data)} bytes)')
    header = json.loads(data[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', {})
    body = data[8 + n:]
    tensors, spans = {}, []
    for name, info in header.items():
        begin, end = info['data_offsets']
        dtype = np.dtype(DTYPES[info['dtype']])
        count = int(np.prod(info['shape'], dtype=np.int64))
        if end - begin != count * dtype.itemsize:
            raise ValueError(f'{path}: {name}: {end - begin} bytes for shape {info["shape"]}')
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(info['shape']).copy()
        spans.append((begin, end))
    spans.sort()
    at = 0
    for begin, end in spans:  # the spec: contiguous, no holes, no overlaps, the whole buffer
        if begin != at:
            raise ValueError(f'{path}: data offsets leave a hole or overlap at byte {at}')
        at = end
    if at != len(body):
        raise ValueError(f'{path}: tensors cover {at} of {len(body)} data bytes')
    try:
        from safetensors.numpy import load_file
    except ImportError:
        return tensors, metadata
    theirs = load_file(path)
    assert sorted(theirs) == sorted(tensors) and all(np.array_equal(theirs[k], tensors[k]) for k in tensors)
    return tensors, metadata


def read_npz(path):
    with np.load(path) as z:
        return {k: z[k].copy() for k in z.files}, {}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('files', nargs='+')
    parser.add_argument('--genotype', help='comma-separated genes (default: the safetensors metadata)')
    parser.add_argument('--arch', choices=['mstf', 'resnet18'], help="the architecture (default: the safetensors metadata's, else mstf)")
    parser.add_argument('--images', help='.npz with images float32 [N, C, H, W]')
    args = parser.parse_args()
    images = None
    if args.images:
        with np.load(args.images) as z:
            images = torch.from_numpy(z['images'].astype(np.float64))
    for path in args.files:
        tensors, metadata = read_safetensors(path) if path.endswith('.safetensors') else read_npz(path)
        arch = args.arch or metadata.get('architecture', 'mstf')
        genotype = None
        if arch == 'resnet18':
            stem = tensors['conv1.weight']
            net = ResNet18(stem.shape[1], tensors['linear.weight'].shape[0], width=stem.shape[0]).double()
        else:
            text = args.genotype or metadata.get('genotype')
            if not text:
                raise SystemExit(f'{path}: no genotype in the file: give --genotype')
            genotype = [int(g) for g in text.split(',')]
            stem = tensors['stem.0.weight']
            net = build_network(genotype, in_channels=stem.shape[1], num_classes=tensors['classifier.weight'].shape[0], init_channels=stem.shape[0])
        for name, v in tensors.items():
            if v.dtype != np.float32:
                raise SystemExit(f'{path}: {name} is {v.dtype}, expected float32')
        state = {k: torch.from_numpy(v) for k, v in tensors.items()}
        net.load_state_dict(state, strict=True)  # raises on any missing or unexpected name, or a shape mismatch
        logits = None
        if images is not None:
            with torch.no_grad():
                logits = net.eval()(images).tolist()
        print(json.dumps({'file': path, 'architecture': arch, 'genotype': genotype, 'keys': len(tensors), 'metadata': metadata, 'logits': logits}))


if __name__ == '__main__':
    main()
