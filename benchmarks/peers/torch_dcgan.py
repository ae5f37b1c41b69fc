# PyTorch peer: the DCGAN latent trains by default (TensorFlow's DCGAN tutorial's layers with
# PyTorch's 'same'-sized padding: G Linear 100 -> 7x7x256 no bias, BatchNorm1d(12544), LeakyReLU
# 0.3, ConvTranspose2d 256->128 s1, 128->64 s2, 64->1 s2, 5x5, no bias, BatchNorm2d and LeakyReLU
# between, Tanh; D Conv2d 1->64->128 5x5 s2, LeakyReLU 0.3, Dropout 0.3, Linear 6272 -> 1), BCE
# with logits, the non-saturating G loss on the fakes of the D step, Adam 1e-4 (beta1 0.9).
# --samples FILE.npy writes 10000 samples (G in eval mode) as N x 784 rows in [0, 1] for
# `latent eval --samples` to score with latent's Frechet distance.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_loop  # noqa: E402


def build(nn, z=100, slope=0.3, drop=0.3):
    G = nn.Sequential(
        nn.Linear(z, 7 * 7 * 256, bias=False), nn.BatchNorm1d(7 * 7 * 256), nn.LeakyReLU(slope),
        nn.Unflatten(1, (256, 7, 7)),
        nn.ConvTranspose2d(256, 128, 5, 1, padding=2, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(slope),
        nn.ConvTranspose2d(128, 64, 5, 2, padding=2, output_padding=1, bias=False), nn.BatchNorm2d(64),
        nn.LeakyReLU(slope),
        nn.ConvTranspose2d(64, 1, 5, 2, padding=2, output_padding=1, bias=False), nn.Tanh())
    D = nn.Sequential(
        nn.Conv2d(1, 64, 5, 2, padding=2), nn.LeakyReLU(slope), nn.Dropout(drop),
        nn.Conv2d(64, 128, 5, 2, padding=2), nn.LeakyReLU(slope), nn.Dropout(drop),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    return G, D


def main():
    samples = None
    if "--samples" in sys.argv:
        i = sys.argv.index("--samples")
        samples = sys.argv[i + 1]
        del sys.argv[i:i + 2]
    args = torch_loop.parse("PyTorch DCGAN epoch benchmark", lr=1e-4)
    torch, train, test = torch_loop.setup(args)
    nn = torch.nn
    F = nn.functional
    zdim = 100
    G, D = build(nn, zdim)
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr, betas=args.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr, betas=args.betas)
    sums = {"d_loss": 0.0, "g_loss": 0.0, "batches": 0}

    def step(x01):
        m = x01.shape[0]
        x = (x01 * 2 - 1).reshape(m, 1, 28, 28)
        fake = G(torch.randn(m, zdim))
        # D step on the real rows and the fakes in one batch (D has no batch statistics)
        opt_d.zero_grad(set_to_none=True)
        logits = D(torch.cat([x, fake.detach()]))
        d_loss = (F.softplus(-logits[:m]).sum() + F.softplus(logits[m:]).sum()) / m
        d_loss.backward()
        opt_d.step()
        # G step: softplus(-D(G(z))) on the same fakes, through the updated D
        opt_g.zero_grad(set_to_none=True)
        g_loss = F.softplus(-D(fake)).mean()
        g_loss.backward()
        opt_g.step()
        sums["d_loss"] += d_loss.item()
        sums["g_loss"] += g_loss.item()
        sums["batches"] += 1
        return g_loss.item()

    def epoch_means():
        n = max(sums.pop("batches"), 1)
        means = {k: v / n for k, v in sums.items()}
        sums.update(d_loss=0.0, g_loss=0.0, batches=0)
        return means

    def evaluate():
        G.eval()
        if samples:
            import numpy
            out = []
            for _ in range(10):
                g = G(torch.randn(1000, zdim))
                out.append(((g + 1) / 2).permute(0, 2, 3, 1).reshape(1000, 784).numpy())
            numpy.save(samples, numpy.concatenate(out).astype(numpy.float32))
        return {"samples": samples or ""}

    torch_loop.run(args, torch, train, step, evaluate,
                   {"model": "dcgan", "z": zdim, "gen": "256,128,64", "disc": "64,128"}, epoch_means)


if __name__ == "__main__":
    main()
