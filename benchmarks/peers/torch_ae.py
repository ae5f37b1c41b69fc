# PyTorch peer: the autoencoder (default 784-128-32-128-784; ReLU, sigmoid output, MSE, Adam 1e-3).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_loop  # noqa: E402


def main():
    args = torch_loop.parse("PyTorch autoencoder epoch benchmark", lr=1e-3)
    torch, train, test = torch_loop.setup(args)
    nn = torch.nn
    # the encoder down to the code (ReLU after every layer, the code's included), the decoder
    # mirrored, a sigmoid output: latent's `train ae --layers` with its defaults
    widths = torch_loop.sizes(args, "784,128,32")
    path = widths + widths[-2::-1]
    layers = []
    for i in range(len(path) - 1):
        layers += [nn.Linear(path[i], path[i + 1]),
                   nn.Sigmoid() if i == len(path) - 2 else nn.ReLU()]
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=args.betas)
    mse = nn.functional.mse_loss

    def step(x):
        opt.zero_grad(set_to_none=True)
        loss = mse(model(x), x)
        loss.backward()
        opt.step()
        return loss.item()

    def evaluate():
        # Mean over all elements of the test set (F.mse_loss's convention), summed in double.
        se = sum(float(((model(xb) - xb) ** 2).double().sum()) for xb in test.split(1000))
        return {"test_loss": se / test.numel(), "test_metric": "mse"}

    torch_loop.run(args, torch, train, step, evaluate, {"model": "ae", "layers": ",".join(map(str, widths))})


if __name__ == "__main__":
    main()
