# Issue 14 lab: PyTorch's SGD step (Adam, batch 50) on cnn-3m and cnn-29k on this machine, the reference
# the issue names. /usr/bin/python3 bench/lab/torch-step.py [threads] (Debian's python3-torch + OpenBLAS).
import statistics, sys, time
import torch
import torch.nn as nn

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)


def net(c1, c2, hidden):
    layers = [nn.Conv2d(1, c1, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
              nn.Conv2d(c1, c2, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()]
    layers += [nn.Linear(c2 * 49, hidden), nn.ReLU(), nn.Linear(hidden, 10)] if hidden else [nn.Linear(c2 * 49, 10)]
    return nn.Sequential(*layers)


def macs(c1, c2, hidden):
    m = 28 * 28 * c1 * 25 + 14 * 14 * c2 * c1 * 25
    return m + (c2 * 49 * hidden + hidden * 10 if hidden else c2 * 49 * 10)


for name, shape in (("cnn-3m", (32, 64, 1024)), ("cnn-29k", (16, 32, 0))):
    model = net(*shape)
    print(name, sum(p.numel() for p in model.parameters()), "parameters", torch.get_num_threads(), "threads")
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.rand(50, 1, 28, 28), torch.randint(0, 10, (50,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    def grad_only():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()

    for f in (step, grad_only):
        for _ in range(5):
            f()
        ts = []
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(10):
                f()
            ts.append((time.perf_counter() - t0) / 10 * 1e3)
        med = statistics.median(ts)
        gflops = 6 * macs(*shape) * 50 / 1e9 / (med / 1e3)
        print(f"  {f.__name__}: median {med:.1f} ms (runs {min(ts):.1f}-{max(ts):.1f}), {gflops:.1f} GFLOP/s")
