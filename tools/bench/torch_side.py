"""The PyTorch side of the CPU speed bench (tools/bench, see README.md).

Builds NCSNv2 (Song & Ermon 2020, arXiv:2006.09011) in PyTorch from the
config and weights our side wrote, mirroring packages/models/src/ncsnv2.ts
layer by layer (NCHW, torch.nn.functional ops, as PyTorch code would write
it), checks nothing itself, and answers one JSON object per line on
stdout to one JSON request per line on stdin:

    {"cmd": "load", "dir": DIR}  load DIR/manifest.json, write the parity
                                 outputs (forward, loss, gradients)
    {"cmd": "step"}              one timed step -> {"ms": ...}
    {"cmd": "profile"}           one step under torch.profiler -> {"ops"}
    {"cmd": "peak"}              -> {"peak_mb": ru_maxrss in MB}
    {"cmd": "quit"}

A training step is the one of our dsmStep without the EMA: per example a
level σ uniform over the schedule and z ~ N(0, I), x̃ = x + σz, loss =
mean_n ½ Σ (f(x̃) + z)², backward, one torch.optim.Adam update. A
forward step is one network evaluation under torch.no_grad(), as in
sampling. Run by Debian's /usr/bin/python3 (python3-torch 1.13).
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

# Stages of NCSNv2: width multiple, 'down', dilation when dilated.
STAGES = [(1, False, None), (2, True, None), (2, True, 2), (2, True, 4)]
EPS = 1e-5


def peak_mb():
    """Peak resident set size of this process (Linux: ru_maxrss in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ layers


def conv(p, name, x, dilation=1, bias=True):
    """Stride-1 conv with PyTorch's padding d·(k − 1)/2 ("same")."""
    w = p[name + ".weight"]
    pad = dilation * (w.shape[-1] - 1) // 2
    b = p[name + ".bias"] if bias else None
    return F.conv2d(x, w, b, padding=pad, dilation=dilation)


def conv_mean_pool(p, name, x, adjust):
    """Conv then the mean of each 2×2 block (ConvMeanPool); with adjust
    one zero row on top and one column on the left first."""
    if adjust:
        h = conv(p, name + ".conv.1", F.pad(x, (1, 0, 1, 0)))
    else:
        h = conv(p, name + ".conv", x)
    return F.avg_pool2d(h, 2)


def instance_norm_plus(p, name, x):
    """InstanceNorm++ (arXiv:2006.09011, appendix B): instance norm plus
    α times the standardised channel means, then γ·z + β."""
    means = x.mean(dim=(2, 3))
    m = means.mean(dim=-1, keepdim=True)
    v = means.var(dim=-1, keepdim=True)  # unbiased, over channels
    mz = (means - m) / torch.sqrt(v + EPS)
    alpha, gamma, beta = (
        p[f"{name}.{k}"][None, :, None, None]
        for k in ("alpha", "gamma", "beta")
    )
    h = F.instance_norm(x, eps=EPS) + alpha * mz[..., None, None]
    return gamma * h + beta


def residual_block(p, name, x, block):
    """Pre-activation residual block: norm, ELU, conv, norm, ELU, conv,
    plus the shortcut."""
    down, dilation, adjust, in_c, out_c = block
    d = dilation or 1
    h = F.elu(instance_norm_plus(p, name + ".normalize1", x))
    h = conv(p, name + ".conv1", h, d)
    h = F.elu(instance_norm_plus(p, name + ".normalize2", h))
    if down and dilation is None:
        h = conv_mean_pool(p, name + ".conv2", h, adjust)
        short = conv_mean_pool(p, name + ".shortcut", x, adjust)
        return short + h
    h = conv(p, name + ".conv2", h, d)
    if down or in_c != out_c:
        return conv(p, name + ".shortcut", x, d) + h
    return x + h


def rcu(p, name, x, blocks):
    """Residual conv units: x + conv(elu(conv(elu(x)))), per block."""
    for b in range(1, blocks + 1):
        h = conv(p, f"{name}.{b}_1_conv", F.elu(x), bias=False)
        x = x + conv(p, f"{name}.{b}_2_conv", F.elu(h), bias=False)
    return x


def refine_block(p, name, xs, start, end):
    """RefineBlock: adapt each input (2 RCUs), fuse at xs[0]'s size
    (bilinear, align_corners), chained residual pooling, output RCUs."""
    adapted = [
        rcu(p, f"{name}.adapt_convs.{i}", x, 2) for i, x in enumerate(xs)
    ]
    if start:
        h = adapted[0]
    else:
        size = adapted[0].shape[2:]
        h = 0
        for i, a in enumerate(adapted):
            y = conv(p, f"{name}.msf.convs.{i}", a)
            if y.shape[2:] != size:
                y = F.interpolate(
                    y, size=size, mode="bilinear", align_corners=True
                )
            h = h + y
    h = F.elu(h)
    path = h
    for i in range(2):
        pooled = F.max_pool2d(path, 5, 1, 2)
        path = conv(p, f"{name}.crp.convs.{i}", pooled, bias=False)
        h = h + path
    return rcu(p, f"{name}.output_convs", h, 3 if end else 1)


# ------------------------------------------------------------------ network


def plan(config):
    """Residual blocks (down, dilation, adjust, in, out) per stage."""
    ngf, depth = config["ngf"], config["depth"]
    stages, in_c = [], ngf
    for s, (mult, down, dil) in enumerate(STAGES[:depth]):
        out_c = mult * ngf
        dil = dil if config["dilation"] else None
        adjust = s == len(STAGES) - 1 and config["imageSize"] == 28
        first = (down, dil, adjust, in_c, out_c)
        stages.append([first, (False, dil, False, out_c, out_c)])
        in_c = out_c
    return stages


def ncsnv2(p, config, x):
    """x [N, C, H, W] in [0, 1] → σ·score [N, C, H, W]."""
    stages = plan(config)
    h = conv(p, "begin_conv", 2 * x - 1)
    skips = []
    for s, blocks in enumerate(stages):
        for i, block in enumerate(blocks):
            h = residual_block(p, f"res{s + 1}.{i}", h, block)
        skips.append(h)
    ref = None
    n = len(skips)
    for k in range(n):
        xs = [skips[n - 1 - k]] + ([ref] if ref is not None else [])
        ref = refine_block(p, f"refine{k + 1}", xs, k == 0, k == n - 1)
    h = F.elu(instance_norm_plus(p, "normalizer", ref))
    return conv(p, "end_conv", h)


# ------------------------------------------------------------------ files


def read_f32(path, offset, shape):
    count = int(np.prod(shape)) if shape else 1
    a = np.fromfile(path, dtype="<f4", count=count, offset=offset)
    return torch.from_numpy(a.reshape(shape))


def to_torch(t, layout):
    """Our layouts to PyTorch's: hwio → oihw, nhwc → nchw."""
    if layout == "hwio":
        return t.permute(3, 2, 0, 1).contiguous()
    if layout == "nhwc":
        return t.permute(0, 3, 1, 2).contiguous()
    return t


def to_ours(t, layout):
    if layout == "hwio":
        return t.permute(2, 3, 1, 0).contiguous()
    if layout == "nhwc":
        return t.permute(0, 2, 3, 1).contiguous()
    return t


def write_f32(path, tensors):
    with open(path, "wb") as f:
        for t in tensors:
            f.write(t.detach().numpy().astype("<f4").tobytes())


# ------------------------------------------------------------------ bench


class Bench:
    def __init__(self, directory):
        with open(os.path.join(directory, "manifest.json")) as f:
            self.m = json.load(f)
        self.dir = directory
        blob = os.path.join(directory, self.m["file"])
        self.params = {}
        for e in self.m["params"]:
            t = to_torch(read_f32(blob, e["offset"], e["shape"]), e["layout"])
            self.params[e["name"]] = t.requires_grad_(e["trainable"])
        self.inputs = {
            k: to_torch(read_f32(blob, e["offset"], e["shape"]), e["layout"])
            for k, e in self.m["inputs"].items()
        }
        adam = self.m["adam"]
        trainable = [
            self.params[e["name"]] for e in self.m["params"] if e["trainable"]
        ]
        self.opt = torch.optim.Adam(
            trainable,
            lr=adam["lr"],
            betas=(adam["beta1"], adam["beta2"]),
            eps=adam["eps"],
        )
        self.sigmas = torch.tensor(self.m["sigmas"], dtype=torch.float32)
        self.config = self.m["config"]

    def forward(self, x):
        return ncsnv2(self.params, self.config, x)

    def dsm_loss(self, x, sigma, z):
        """mean_n ½ Σ (f(x + σz) + z)² (λ(σ) = σ², arXiv:2009.05475)."""
        out = self.forward(x + sigma * z)
        return 0.5 * ((out + z) ** 2).sum(dim=(1, 2, 3)).mean()

    def write_parity(self):
        """Forward output on the input; for training also the loss and
        the gradients on the fixed noise (our layouts, manifest order)."""
        x = self.inputs["x"]
        with torch.no_grad():
            y = self.forward(x)
        out = os.path.join(self.dir, "torch-forward.f32")
        write_f32(out, [to_ours(y, "nhwc")])
        if self.m["kind"] != "train":
            return
        loss = self.dsm_loss(x, self.inputs["sigma"], self.inputs["z"])
        loss.backward()
        grads = [
            to_ours(self.params[e["name"]].grad, e["layout"])
            for e in self.m["params"]
            if e["trainable"]
        ]
        write_f32(os.path.join(self.dir, "torch-loss.f32"), [loss.reshape(1)])
        write_f32(os.path.join(self.dir, "torch-grads.f32"), grads)
        self.opt.zero_grad(set_to_none=True)

    def step(self):
        x = self.inputs["x"]
        t0 = time.perf_counter()
        if self.m["kind"] == "train":
            levels = torch.randint(len(self.sigmas), (x.shape[0],))
            sigma = self.sigmas[levels].reshape(-1, 1, 1, 1)
            loss = self.dsm_loss(x, sigma, torch.randn_like(x))
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            loss.item()
        else:
            with torch.no_grad():
                self.forward(x)
        return (time.perf_counter() - t0) * 1000

    def profile(self):
        """One step under torch.profiler: per op name its calls and its
        own milliseconds (intra-op threads included), slowest first."""
        with torch.profiler.profile() as prof:
            self.step()
        ops = sorted(
            prof.key_averages(),
            key=lambda e: e.self_cpu_time_total,
            reverse=True,
        )
        return [
            {"name": e.key, "calls": e.count, "ms": e.self_cpu_time_total / 1e3}
            for e in ops
        ]


def main():
    cores = len(os.sched_getaffinity(0))
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else cores
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    bench = None
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["cmd"] == "load":
                base = peak_mb()
                bench = Bench(req["dir"])
                bench.write_parity()
                reply = {
                    "torch": torch.__version__,
                    "threads": torch.get_num_threads(),
                    "base_mb": base,
                }
            elif req["cmd"] == "step":
                reply = {"ms": bench.step()}
            elif req["cmd"] == "profile":
                reply = {"ops": bench.profile()}
            elif req["cmd"] == "peak":
                reply = {"peak_mb": peak_mb()}
            elif req["cmd"] == "quit":
                return
            else:
                reply = {"error": f"unknown command {req['cmd']}"}
        except Exception as e:  # reported to the caller, which stops
            reply = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
