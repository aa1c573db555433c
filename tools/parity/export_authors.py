"""Exports the authors' PyTorch models for the forward parity check.

Builds each requested network from a checkout of the authors' code
(AlexiaJM/AdversarialConsistentScoreMatching) the way their `main.py`
does: the config through `configs.get_config` (the YAML file over
`default.yml`), the score network through `runners.abc_runner.get_model`,
the discriminator through `TrainRunner._setup_discriminator`, after
`torch.manual_seed(seed)`. It then writes, per network, the random
initial `state_dict` (parameters and buffers), a fixed input in [0, 1]
and the outputs of the requested forward passes. Format: README.md
beside this file.

    python3 export_authors.py --authors DIR --out DIR --networks JSON

JSON is a list of {"id", "config", "role", "modes", "batch", "seed",
"redraw"}; role is "score" or "discriminator", modes a list of "eval" /
"train", redraw a list of parameter names to redraw from U(-0.05, 0.05)
(for a layer initialised at or near zero, whose term the comparison
would not see).
Nothing of the checkout is modified: optional modules that their data and
evaluation code imports but that are not installed (tqdm, scipy, ...)
are replaced by empty stand-ins at run time.
"""
import argparse
import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import types

FORMAT = "acsm-parity-export"
VERSION = 1

# Imported by the authors' data, evaluation or logging modules only.
OPTIONAL_MODULES = ("tqdm", "scipy", "tensorflow", "tensorboardX")


class _Anything:
    """Any attribute and any call gives another _Anything (import-time
    set-up such as tf.compat.v1.logging.set_verbosity(...) then passes)."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything(f"{self._name}.{name}")

    def __call__(self, *_args, **_kwargs):
        return _Anything(f"{self._name}()")


class _StandIn(types.ModuleType):
    """A module whose every attribute is an _Anything."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything(f"{self.__name__}.{name}")


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds a stand-in for an optional module that is not installed."""

    def __init__(self, missing):
        self.missing = missing

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] not in self.missing:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = _StandIn(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


def install_stand_ins():
    """Stand-ins for the OPTIONAL_MODULES that do not import; their names."""
    missing = {
        m for m in OPTIONAL_MODULES if importlib.util.find_spec(m) is None
    }
    sys.meta_path.append(_StandInFinder(missing))
    return sorted(missing)


def runner_args():
    """The command-line defaults of their main.py that the builders read."""
    import torch

    return argparse.Namespace(
        config=None, target="gaussian", no_dilation=False, std=False,
        device=torch.device("cpu"), consistent=False, nsigma=0, step_lr=0,
        batch_size=0, fid_num_samples=0, begin_ckpt=0, end_ckpt=0,
        adam=False, D_adam=False, D_steps=0,
    )


def build(entry):
    """Their network for entry: (module, class name), weights seeded."""
    import torch
    from configs import get_config
    from runners.abc_runner import get_model
    from runners.train_runner import TrainRunner

    args = runner_args()
    args.config = entry["config"]
    config = get_config(args)
    torch.manual_seed(entry["seed"])
    role = entry["role"]
    if role == "score":
        model = get_model(config.model, config.data, args)
    elif role == "discriminator":
        runner = types.SimpleNamespace(config=config, args=args)
        model = TrainRunner._setup_discriminator(runner).module
    else:
        raise ValueError(f"export_authors: unknown role {role!r}")
    redraw(model, entry.get("redraw", []), entry["seed"])
    return model, config


def redraw(model, names, seed):
    """Parameters `names` redrawn from U(-0.05, 0.05), seeded."""
    import torch

    params = dict(model.named_parameters())
    generator = torch.Generator().manual_seed(seed + 1)
    for name in names:
        if name not in params:
            raise KeyError(f"export_authors: no parameter {name} to redraw")
        with torch.no_grad():
            values = torch.rand(params[name].shape, generator=generator)
            params[name].copy_(values * 0.1 - 0.05)


def layout(model, name, is_parameter, tensor):
    """How a state_dict tensor is laid out: oihw, oi, plain or unknown."""
    import torch.nn as nn

    owner_name, _, leaf = name.rpartition(".")
    owner = model.get_submodule(owner_name) if owner_name else model
    if is_parameter and leaf == "weight":
        if isinstance(owner, nn.Conv2d) and tensor.dim() == 4:
            return "oihw"
        if isinstance(owner, nn.Linear) and tensor.dim() == 2:
            return "oi"
    if not is_parameter or tensor.dim() <= 1:
        return "plain"
    return "unknown"


class Blob:
    """Tensors appended as little-endian float32 to one file."""

    def __init__(self, path):
        self.file = open(path, "wb")
        self.offset = 0

    def add(self, name, tensor, **extra):
        import numpy as np

        data = tensor.detach().cpu().contiguous().numpy().astype("<f4")
        entry = {"name": name, "shape": list(data.shape),
                 "offset": self.offset, **extra}
        self.file.write(data.tobytes())
        self.offset += data.size * 4
        return entry

    def close(self):
        self.file.close()


def forward(model, x, mode):
    """One forward pass in mode 'eval' or 'train' (BigGAN SN advances u)."""
    import torch

    if mode not in ("eval", "train"):
        raise ValueError(f"export_authors: unknown mode {mode!r}")
    model.train(mode == "train")
    with torch.no_grad():
        return model(x)


def export_network(entry, out_dir):
    """Builds, runs and writes one network; its manifest entry."""
    import torch

    model, config = build(entry)
    params = dict(model.named_parameters())
    blob = Blob(os.path.join(out_dir, f"{entry['id']}.f32"))
    state = [
        blob.add(name, t, kind="parameter" if name in params else "buffer",
                 layout=layout(model, name, name in params, t))
        for name, t in model.state_dict().items()
    ]
    shape = (entry["batch"], config.data.channels, config.data.image_size,
             config.data.image_size)
    generator = torch.Generator().manual_seed(entry["seed"])
    x = torch.rand(*shape, generator=generator)
    inputs = blob.add("input", x)
    runs = []
    for mode in entry["modes"]:
        y = forward(model, x, mode)
        buffers = [blob.add(n, b) for n, b in model.named_buffers()]
        runs.append({"mode": mode, "output": blob.add("output", y),
                     "buffersAfter": buffers})
    record = {
        "id": entry["id"], "config": entry["config"], "role": entry["role"],
        "className": type(model).__name__, "seed": entry["seed"],
        "paramCount": sum(p.numel() for p in model.parameters()),
        "file": f"{entry['id']}.f32", "byteLength": blob.offset,
        "state": state, "input": inputs, "runs": runs,
    }
    blob.close()
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--authors", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--networks", required=True)
    options = parser.parse_args()
    entries = json.loads(options.networks)
    out_dir = os.path.abspath(options.out)
    os.makedirs(out_dir, exist_ok=True)
    stand_ins = install_stand_ins()
    # Their config loader opens configs/<name> relative to the checkout.
    os.chdir(options.authors)
    sys.path.insert(0, os.getcwd())
    import torch

    # Their code prints (parameter counts); keep stdout for our summary.
    with contextlib.redirect_stdout(sys.stderr):
        networks = [export_network(e, out_dir) for e in entries]
    manifest = {
        "format": FORMAT, "version": VERSION, "dtype": "float32",
        "byteOrder": "little-endian", "torch": torch.__version__,
        "standIns": stand_ins, "networks": networks,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(os.path.join(out_dir, "manifest.json"))


if __name__ == "__main__":
    main()
