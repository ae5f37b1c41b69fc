#!/usr/bin/python3
"""Loads a latent checkpoint into PyTorch's equivalent modules (state_dict names, strict) and
checks that they reconstruct as latent did. Usage: pytorch_check.py CKPT X.npy RECON.npy"""
import json, struct, sys
import numpy as np
import torch
import torch.nn as nn


def read_safetensors(path):
    raw = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    base = 8 + n
    tensors = {}
    for name, e in header.items():
        assert e['dtype'] == 'F32', name
        b, end = e['data_offsets']
        tensors[name] = torch.from_numpy(
            np.frombuffer(raw[base + b:base + end], '<f4').reshape(e['shape']).copy())
    return tensors, meta


def act(name, slope):
    return {'relu': nn.ReLU(), 'leaky_relu': nn.LeakyReLU(slope), 'sigmoid': nn.Sigmoid(),
            'tanh': nn.Tanh(), 'softplus': nn.Softplus(), 'identity': None}[name]


def seq(sizes, acts):
    mods = []
    for i in range(len(sizes) - 1):
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        if acts[i] is not None:
            mods.append(acts[i])
    return nn.Sequential(*mods)


def main():
    tensors, meta = read_safetensors(sys.argv[1])
    x = torch.from_numpy(np.load(sys.argv[2]))
    want = np.load(sys.argv[3])
    state = {k: v for k, v in tensors.items() if not k.startswith('latent_state.')}
    sizes = [int(s) for s in meta['layers'].split(',')]
    slope = float(meta['slope'])
    h = meta['act']
    if meta['kind'] == 'ae':
        sparse_beta = float(meta['sparse'].split(',')[0])
        code = 'sigmoid' if sparse_beta > 0 or float(meta['contractive']) > 0 else h
        code = meta.get('code_act', code)   # files older than code_act: the rule above
        k = len(sizes) - 1
        enc = seq(sizes, [act(h, slope) for _ in range(k - 1)] + [act(code, slope)])
        rs = sizes[::-1]
        dec = seq(rs, [act(h, slope) for _ in range(k - 1)] + [act(meta['out_act'], slope)])
        model = nn.Module()
        model.encoder, model.decoder = enc, dec
        model.load_state_dict(state, strict=True)
        got = dec(enc(x))
    elif meta['kind'] == 'vae':
        lat = int(meta['latent'])
        model = nn.Module()
        model.encoder = seq(sizes, [act(h, slope) for _ in range(len(sizes) - 1)])
        model.fc_mu = nn.Linear(sizes[-1], lat)
        model.fc_logvar = nn.Linear(sizes[-1], lat)
        rs = [lat] + sizes[::-1]
        model.decoder = seq(rs, [act(h, slope) for _ in range(len(rs) - 2)] + [None])
        model.load_state_dict(state, strict=True)
        out = model.decoder(model.fc_mu(model.encoder(x)))
        got = out if meta['decoder'] == 'gaussian' else torch.sigmoid(out)
    else:
        sys.exit('unsupported kind ' + meta['kind'])
    err = np.abs(got.detach().numpy() - want).max()
    print('max abs difference', err)
    sys.exit(0 if err <= 1e-5 else 1)


main()
