# PyTorch peer: the VAE (default 784-400-20) with a Bernoulli (logits) decoder, Adam 1e-3; with
# --conv, latent's convolutional VAE (the Keras VAE example's layers, PyTorch's padding).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_loop  # noqa: E402


def main():
    args = torch_loop.parse("PyTorch VAE epoch benchmark", lr=1e-3)
    torch, train, test = torch_loop.setup(args)
    nn = torch.nn
    F = nn.functional

    widths = torch_loop.sizes(args, "784,16" if args.conv else "784,400")
    L = args.latent if args.latent is not None else 2 if args.conv else 20

    def mlp(path):
        """Linear layers along path with ReLU between them (none after the last)."""
        out = []
        for i in range(len(path) - 1):
            out += [nn.Linear(path[i], path[i + 1])] + ([nn.ReLU()] if i < len(path) - 2 else [])
        return nn.Sequential(*out)

    def conv_ends():
        enc = nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 32, 3, 2, padding=1), nn.ReLU(),
                            nn.Conv2d(32, 64, 3, 2, padding=1), nn.ReLU(), nn.Flatten(),
                            mlp([64 * 7 * 7] + widths[1:]))
        dec = nn.Sequential(nn.Linear(L, 64 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
                            nn.ConvTranspose2d(64, 64, 3, 2, padding=1, output_padding=1), nn.ReLU(),
                            nn.ConvTranspose2d(64, 32, 3, 2, padding=1, output_padding=1), nn.ReLU(),
                            nn.ConvTranspose2d(32, 1, 3, 1, padding=1), nn.Flatten())
        return enc, dec

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            if args.conv:
                self.enc, self.dec = conv_ends()
            else:
                self.enc, self.dec = mlp(widths), mlp([L] + widths[::-1])
            self.mu = nn.Linear(widths[-1], L)
            self.logvar = nn.Linear(widths[-1], L)

        def forward(self, x):
            h = F.relu(self.enc(x))
            mu, logvar = self.mu(h), self.logvar(h)
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            return self.dec(z), mu, logvar

    def neg_elbo_sum(x):
        """Negative ELBO summed over the examples: BCE over pixels + KL to N(0, I)."""
        logits, mu, logvar = model(x)
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = -0.5 * torch.sum(1 + logvar - mu * mu - logvar.exp())
        return rec + kl

    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=args.betas)

    def step(x):
        opt.zero_grad(set_to_none=True)
        loss = neg_elbo_sum(x) / x.shape[0]
        loss.backward()
        opt.step()
        return loss.item()

    def evaluate():
        # One reparameterized sample per test example, nats per example.
        torch.manual_seed(args.seed + 1)
        total = sum(float(neg_elbo_sum(xb)) for xb in test.split(1000))
        return {"test_loss": total / test.shape[0], "test_metric": "neg_elbo_nats"}

    torch_loop.run(args, torch, train, step, evaluate,
                   {"model": "conv_vae" if args.conv else "vae", "layers": ",".join(map(str, widths)),
                    "latent": L})


if __name__ == "__main__":
    main()
