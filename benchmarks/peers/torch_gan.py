# PyTorch peer: the GAN (default z 100, G 256-512-784 tanh, D 784-512-256-1, LeakyReLU 0.2,
# Adam 2e-4/0.5; --z, --gen, --disc and --g-act for other shapes).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_loop  # noqa: E402


def main():
    args = torch_loop.parse("PyTorch GAN epoch benchmark", lr=2e-4, betas=(0.5, 0.999))
    torch, train, test = torch_loop.setup(args)
    nn = torch.nn
    F = nn.functional
    zdim = args.z
    gen = [int(v) for v in args.gen.split(",") if v]
    disc = [int(v) for v in args.disc.split(",") if v]

    def g_act():
        return nn.LeakyReLU(0.2) if args.g_act == "leaky" else nn.ReLU()

    g_path, d_path = [zdim] + gen + [784], [784] + disc
    G = nn.Sequential(*[m for i in range(len(g_path) - 1)
                        for m in (nn.Linear(g_path[i], g_path[i + 1]),
                                  g_act() if i < len(g_path) - 2 else nn.Tanh())])
    D = nn.Sequential(*[m for i in range(len(d_path) - 1)
                        for m in (nn.Linear(d_path[i], d_path[i + 1]), nn.LeakyReLU(0.2))],
                      nn.Linear(d_path[-1], 1))
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr, betas=args.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr, betas=args.betas)
    sums = {"d_loss": 0.0, "g_loss": 0.0, "batches": 0}

    def step(x01):
        x = x01 * 2 - 1  # the GAN's data lives in [-1, 1]
        m = x.shape[0]
        # D step: softplus(-l_real) + softplus(l_fake), fake from a fresh z, G frozen.
        opt_d.zero_grad(set_to_none=True)
        fake = G(torch.randn(m, zdim)).detach()
        d_loss = F.softplus(-D(x)).mean() + F.softplus(D(fake)).mean()
        d_loss.backward()
        opt_d.step()
        # G step: the non-saturating loss softplus(-l_fake) on a fresh z.
        opt_g.zero_grad(set_to_none=True)
        g_loss = F.softplus(-D(G(torch.randn(m, zdim)))).mean()
        g_loss.backward()
        opt_g.step()
        sums["d_loss"] += d_loss.item()
        sums["g_loss"] += g_loss.item()
        sums["batches"] += 1
        return g_loss.item()  # latent's train_loss for a GAN is the generator's loss

    def epoch_means():
        n = max(sums.pop("batches"), 1)
        means = {k: v / n for k, v in sums.items()}
        sums.update(d_loss=0.0, g_loss=0.0, batches=0)
        return means

    def evaluate():
        # No likelihood for a GAN: D's loss on the test images against fresh fakes, for reference.
        xt = test * 2 - 1
        fake = G(torch.randn(xt.shape[0], zdim))
        d = F.softplus(-D(xt)).mean() + F.softplus(D(fake)).mean()
        return {"test_d_loss": float(d)}

    torch_loop.run(args, torch, train, step, evaluate,
                   {"model": "gan", "z": zdim, "gen": args.gen, "disc": args.disc,
                    "g_act": args.g_act}, epoch_means)


if __name__ == "__main__":
    main()
