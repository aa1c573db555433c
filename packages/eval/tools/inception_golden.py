"""Golden outputs for the TensorFlow.js FID Inception, made with PyTorch.

Run with Debian's python3-torch (and python3-torchvision):

    /usr/bin/python3 inception_golden.py network OUT   # random-weight net
    /usr/bin/python3 inception_golden.py resize OUT    # input pipeline only
    /usr/bin/python3 inception_golden.py pickles OUT   # small state_dicts

Each command writes OUT/manifest.json naming its outputs; arrays are raw
little-endian float32 files in row-major (NHWC for images) order.

The network is torchvision's Inception3 with the blocks changed as in the
FID port of the TF graph of 2015-12-05: the 3x3 average pools of the A, C
and first E blocks leave the zero padding out of the mean (as TF's 'SAME'
pooling does), the last E block pools by maximum, and the classifier has
1008 outputs. Weights and BatchNorm statistics are random but seeded, so
no download is needed.
"""

import collections
import hashlib
import json
import os
import sys

import torch
import torch.nn.functional as F
from torchvision.models import inception as tv

SIZE = 299


def pad_free_mean(x):
    """3x3 stride-1 mean over the in-image neighbours only."""
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


def neighbour_max(x):
    """3x3 stride-1 maximum, as the last block of the TF graph pools."""
    return F.max_pool2d(x, 3, stride=1, padding=1)


class BlockA(tv.InceptionA):
    def _forward(self, x):
        deep = self.branch3x3dbl_1(x)
        deep = self.branch3x3dbl_3(self.branch3x3dbl_2(deep))
        wide = self.branch5x5_2(self.branch5x5_1(x))
        pooled = self.branch_pool(pad_free_mean(x))
        return [self.branch1x1(x), wide, deep, pooled]


class BlockC(tv.InceptionC):
    def _forward(self, x):
        a = x
        for name in ("1", "2", "3"):
            a = getattr(self, "branch7x7_" + name)(a)
        b = x
        for name in ("1", "2", "3", "4", "5"):
            b = getattr(self, "branch7x7dbl_" + name)(b)
        pooled = self.branch_pool(pad_free_mean(x))
        return [self.branch1x1(x), a, b, pooled]


class BlockE(tv.InceptionE):
    pool = staticmethod(pad_free_mean)

    def _forward(self, x):
        a = self.branch3x3_1(x)
        a = torch.cat([self.branch3x3_2a(a), self.branch3x3_2b(a)], 1)
        b = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        b = torch.cat([self.branch3x3dbl_3a(b), self.branch3x3dbl_3b(b)], 1)
        pooled = self.branch_pool(self.pool(x))
        return [self.branch1x1(x), a, b, pooled]


class BlockEMax(BlockE):
    pool = staticmethod(neighbour_max)


def fid_inception():
    """Inception3 with the FID port's blocks; the names of its weights."""
    net = tv.Inception3(num_classes=1008, aux_logits=False, init_weights=False)
    for name, c_in, extra in (
        ("Mixed_5b", 192, 32),
        ("Mixed_5c", 256, 64),
        ("Mixed_5d", 288, 64),
    ):
        setattr(net, name, BlockA(c_in, pool_features=extra))
    for name, c7 in (
        ("Mixed_6b", 128),
        ("Mixed_6c", 160),
        ("Mixed_6d", 160),
        ("Mixed_6e", 192),
    ):
        setattr(net, name, BlockC(768, channels_7x7=c7))
    net.Mixed_7b = BlockE(1280)
    net.Mixed_7c = BlockEMax(2048)
    return net


def randomise(net, gen):
    """He-normal convolutions, random BatchNorm affine parameters."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.normal_(0, (2 / fan_in) ** 0.5, generator=gen)
            elif isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.normal_(0, 0.2, generator=gen)
            elif isinstance(m, torch.nn.Linear):
                m.weight.normal_(0, m.in_features**-0.5, generator=gen)
                m.bias.normal_(0, 0.1, generator=gen)


def calibrate(net, batch, gen):
    """Running statistics from a batch, then perturbed: BN is no identity
    and the activations keep a moderate scale through all 94 layers."""
    bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average: one batch sets the stats
    net.train()
    with torch.no_grad():
        net(batch)
        for m in bns:
            std = m.running_var.sqrt()
            noise = torch.randn(m.running_mean.shape, generator=gen)
            m.running_mean.add_(0.1 * std * noise)
            scale = torch.empty(m.running_var.shape).uniform_(
                0.7, 1.4, generator=gen
            )
            m.running_var.mul_(scale)
            m.momentum = 0.1
    net.eval()


def pipeline(x):
    """PAPER.md section 10: NHWC x -> NCHW network input in [-1, 1].

    round(255 clamp(x, 0, 1)) as uint8, /255 as ToTensor does, bilinear
    resize (align_corners=False) to 299, 1 channel repeated to 3, 2x - 1.
    """
    q = torch.round(x.clamp(0, 1) * 255) / 255
    q = q.permute(0, 3, 1, 2)
    r = F.interpolate(q, size=(SIZE, SIZE), mode="bilinear", align_corners=False)
    if r.shape[1] == 1:
        r = r.repeat(1, 3, 1, 1)
    return 2 * r - 1


def images(gen, n, h, w, c):
    """Smooth random images with values a little outside [0, 1]."""
    coarse = torch.rand((n, c, (h + 3) // 4, (w + 3) // 4), generator=gen)
    smooth = F.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=False)
    grain = 0.15 * torch.randn((n, c, h, w), generator=gen)
    return (1.2 * smooth - 0.1 + grain).permute(0, 2, 3, 1).contiguous()


class Writer:
    def __init__(self, out):
        self.out = out
        self.manifest = {"arrays": {}, "files": {}}
        os.makedirs(out, exist_ok=True)

    def array(self, name, t):
        t = t.detach().to(torch.float32).contiguous()
        path = os.path.join(self.out, name + ".f32")
        t.numpy().astype("<f4").tofile(path)
        self.manifest["arrays"][name] = {
            "shape": list(t.shape),
            "file": name + ".f32",
        }

    def file(self, name, path, **extra):
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        entry = {"file": os.path.basename(path), "sha256": digest}
        self.manifest["files"][name] = {**entry, **extra}

    def close(self):
        with open(os.path.join(self.out, "manifest.json"), "w") as f:
            json.dump(self.manifest, f, indent=1)


def features(net, x):
    """pool3 (2048) and the 1008 logits of a network input batch."""
    caught = {}
    hook = net.avgpool.register_forward_hook(
        lambda _m, _i, y: caught.setdefault("pool3", torch.flatten(y, 1))
    )
    with torch.no_grad():
        logits = net(x)
    hook.remove()
    return caught["pool3"], logits


def network(out):
    gen = torch.Generator().manual_seed(20151205)
    net = fid_inception()
    randomise(net, gen)
    calibrate(net, pipeline(images(gen, 4, 32, 32, 3)), gen)
    w = Writer(out)
    path = os.path.join(out, "fid_inception_random.pth")
    torch.save(net.state_dict(), path)
    w.file("weights", path)
    legacy = os.path.join(out, "fid_inception_random_legacy.pth")
    torch.save(net.state_dict(), legacy, _use_new_zipfile_serialization=False)
    w.file("weights_legacy", legacy)
    for name, shape in (("rgb", (2, 32, 32, 3)), ("gray", (1, 28, 28, 1))):
        x = images(gen, *shape)
        pool3, logits = features(net, pipeline(x))
        w.array(name + "_input", x)
        w.array(name + "_pool3", pool3)
        w.array(name + "_logits", logits)
    w.close()


def resize(out):
    gen = torch.Generator().manual_seed(7)
    w = Writer(out)
    for h, wd, c in ((28, 28, 1), (32, 32, 3), (30, 41, 3), (320, 310, 3)):
        x = images(gen, 2, h, wd, c)
        name = f"x{h}x{wd}x{c}"
        w.array(name + "_input", x)
        w.array(name + "_output", pipeline(x).permute(0, 2, 3, 1))
    w.close()


def pickles(out):
    w = Writer(out)
    base = torch.arange(10, dtype=torch.float32) / 4
    sd = collections.OrderedDict()
    sd["matrix"] = torch.tensor([[1.5, -2.0, 3.25], [4.0, 0.5, -6.0]])
    sd["transposed"] = sd["matrix"].t()  # strides (1, 3): not contiguous
    sd["window"] = base[3:7]  # storage offset 3, storage shared
    sd["every_other"] = base[1::2]  # stride 2
    sd["scalar"] = torch.tensor(2.5)
    sd["count"] = torch.tensor(7)  # int64, as num_batches_tracked
    sd["doubles"] = torch.tensor([0.1, -1e-3], dtype=torch.float64)
    sd["empty"] = torch.zeros(0, 3)
    for name, zip_format in (("zip", True), ("legacy", False)):
        path = os.path.join(out, f"small_{name}.pth")
        torch.save(sd, path, _use_new_zipfile_serialization=zip_format)
        w.file(name, path)
    for key, t in sd.items():
        w.array(key, t)
    w.manifest["strides"] = {k: list(t.stride()) for k, t in sd.items()}
    w.manifest["offsets"] = {k: t.storage_offset() for k, t in sd.items()}
    w.close()


if __name__ == "__main__":
    commands = {"network": network, "resize": resize, "pickles": pickles}
    if len(sys.argv) != 3 or sys.argv[1] not in commands:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(commands)}}} OUT")
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    commands[sys.argv[1]](sys.argv[2])
