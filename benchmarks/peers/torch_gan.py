# PyTorch peer: the GAN (z 100, G 256-512-784 tanh, D 784-512-256-1, LeakyReLU 0.2, Adam 2e-4/0.5).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_loop  # noqa: E402


def main():
    args = torch_loop.parse("PyTorch GAN epoch benchmark", lr=2e-4, betas=(0.5, 0.999))
    torch, train, test = torch_loop.setup(args)
    nn = torch.nn
    F = nn.functional
    zdim = 100
    G = nn.Sequential(nn.Linear(zdim, 256), nn.LeakyReLU(0.2), nn.Linear(256, 512),
                      nn.LeakyReLU(0.2), nn.Linear(512, 784), nn.Tanh())
    D = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256),
                      nn.LeakyReLU(0.2), nn.Linear(256, 1))
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr, betas=args.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr, betas=args.betas)
    last = {}

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
        last["d_loss"], last["g_loss"] = d_loss.item(), g_loss.item()
        return d_loss.item()

    def evaluate():
        # No likelihood for a GAN: report D's loss on the test images against fresh fakes.
        xt = test * 2 - 1
        fake = G(torch.randn(xt.shape[0], zdim))
        d = F.softplus(-D(xt)).mean() + F.softplus(D(fake)).mean()
        return {"test_loss": float(d), "test_metric": "d_loss", **last}

    torch_loop.run(args, torch, train, step, evaluate,
                   {"model": "gan", "z": zdim, "gen": "256,512", "disc": "512,256"})


if __name__ == "__main__":
    main()
