#!/usr/bin/python3
"""PyTorch replica of scopemia's ConvNeXt-3D (src/nn/convnext3d.cpp), its
linear head (src/nn/heads.cpp) and its U-Net decoder (src/nn/decoder.cpp).

Same stem (patchify conv, depth stride 2, in-plane stride 4, then LayerNorm
over channels), same downsampling (LayerNorm over channels, then a 2x2x2
stride-2 conv), same blocks (depthwise k^3 conv -> channels-last LayerNorm ->
Linear 4C -> exact GELU -> Linear C -> layer scale 1e-6 -> residual), same
eps (1e-6) and the same module and parameter names, so a state dict saved by
the scopemia worker loads into it with strict=True (compare.py checks that
the outputs then agree). Standalone use times it alone:

    /usr/bin/python3 bench/pytorch/convnext3d.py --model convnext3d_nano \
        --input 16x128x128 --threads 1 --repeats 10 [--scopemia build/scopemia]

prints one JSON object (params, median forward / forward+backward /
forward+backward+AdamW ms); with --scopemia it first asserts that the
parameter count equals `scopemia profile --model M --format json`'s params.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {  # depths, dims, default depthwise kernel (scopemia's convnext3d_preset)
    "nano": ([2, 2, 2, 2], [32, 64, 128, 256], 3),
    "small": ([3, 3, 27, 3], [96, 192, 384, 768], 7),
    "base": ([3, 3, 27, 3], [128, 256, 512, 1024], 7),
    "large": ([3, 3, 27, 3], [192, 384, 768, 1536], 7),
}


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of [N,C,D,H,W] (permute, normalise, permute back)."""

    def __init__(self, channels):
        super().__init__()
        self.norm = nn.LayerNorm(channels, eps=1e-6)

    def forward(self, x):
        return self.norm(x.permute(0, 2, 3, 4, 1)).permute(0, 4, 1, 2, 3)


class Block(nn.Module):
    def __init__(self, C, k, layer_scale=1e-6):
        super().__init__()
        self.dwconv = nn.Sequential(nn.Conv3d(C, C, k, padding=k // 2, groups=C))
        self.norm = nn.LayerNorm(C, eps=1e-6)
        self.pwconv1 = nn.Linear(C, 4 * C)
        self.pwconv2 = nn.Linear(4 * C, C)
        self.gamma = nn.Parameter(torch.full((C,), layer_scale))

    def forward(self, x):
        y = self.dwconv(x).permute(0, 2, 3, 4, 1)
        y = self.pwconv2(F.gelu(self.pwconv1(self.norm(y))))
        return x + (y * self.gamma).permute(0, 4, 1, 2, 3)


class ConvNeXt3D(nn.Module):
    def __init__(self, size="nano", kernel=None, in_channels=1, depth_strides=(2, 2, 2, 2)):
        super().__init__()
        depths, dims, k = PRESETS[size]
        k = kernel or k
        self.dims = dims
        for i in range(4):
            sd, sp = depth_strides[i], (4 if i == 0 else 2)
            if i == 0:
                down = nn.Sequential(
                    nn.Conv3d(in_channels, dims[0], (sd, sp, sp), stride=(sd, sp, sp)),
                    ChannelLayerNorm(dims[0]))
            else:
                down = nn.Sequential(
                    ChannelLayerNorm(dims[i - 1]),
                    nn.Conv3d(dims[i - 1], dims[i], (sd, sp, sp), stride=(sd, sp, sp)))
            setattr(self, f"downsample{i}", down)
            setattr(self, f"stage{i}", nn.Sequential(*[Block(dims[i], k) for _ in range(depths[i])]))

    def forward(self, x):
        stages = []
        for i in range(4):
            x = getattr(self, f"stage{i}")(getattr(self, f"downsample{i}")(x))
            stages.append(x)
        return stages


class EmbeddingHead(nn.Module):
    def __init__(self, C):
        super().__init__()
        self.norm = nn.LayerNorm(C, eps=1e-6)

    def forward(self, x):
        return self.norm(x.mean((2, 3, 4)))


class LinearHead(nn.Module):
    def __init__(self, C, outputs):
        super().__init__()
        self.embed = EmbeddingHead(C)
        self.dropout = nn.Dropout(0.0)
        self.linear = nn.Linear(C, outputs)

    def forward(self, x):
        return self.linear(self.dropout(self.embed(x)))


def _groups_for(c):
    for g in (8, 4, 2):
        if c % g == 0:
            return g
    return 1


def _conv_block(cin, cout):
    return nn.Sequential(
        nn.Conv3d(cin, cout, 3, padding=1, bias=False), nn.GroupNorm(_groups_for(cout), cout), nn.GELU(),
        nn.Conv3d(cout, cout, 3, padding=1, bias=False), nn.GroupNorm(_groups_for(cout), cout), nn.GELU())


def _resize_to(x, size):
    if tuple(x.shape[2:]) == tuple(size):
        return x
    return F.interpolate(x, size=tuple(size), mode="trilinear", align_corners=False)


class UNetDecoder(nn.Module):
    """scopemia's UNetDecoder with width 0 (each level as wide as its stage)."""

    def __init__(self, stage_channels, out_channels=1):
        super().__init__()
        below = stage_channels[-1]
        self.levels = []
        for i in range(len(stage_channels) - 2, -1, -1):
            setattr(self, f"up{i}", _conv_block(below + stage_channels[i], stage_channels[i]))
            self.levels.append(i)
            below = stage_channels[i]
        self.head = nn.Conv3d(below, out_channels, 1)

    def forward(self, stages, output_size):
        h = stages[-1]
        for i in self.levels:
            skip = stages[i]
            h = _resize_to(h, skip.shape[2:])
            h = getattr(self, f"up{i}")(torch.cat([h, skip], 1))
        return self.head(_resize_to(h, output_size))


class Model(nn.Module):
    """Backbone + 2-output linear head (the `profile` / worker model), or
    backbone + U-Net decoder (mode "mae")."""

    def __init__(self, size="nano", kernel=None, mae=False):
        super().__init__()
        self.backbone = ConvNeXt3D(size, kernel)
        self.mae = mae
        if mae:
            self.decoder = UNetDecoder(self.backbone.dims, 1)
        else:
            self.head = LinearHead(self.backbone.dims[-1], 2)

    def forward(self, x):
        stages = self.backbone(x)
        if self.mae:
            return self.decoder(stages, x.shape[2:])
        return self.head(stages[-1])


class Step:
    """One timed step of a mode, mirroring bench/network_worker.cpp."""

    def __init__(self, model_name, mode, kernel=3, input_size=(16, 128, 128), batch=1):
        size = model_name.replace("convnext3d_", "")
        self.mode = mode
        self.model = Model(size, kernel, mae=(mode == "mae"))
        torch.manual_seed(0)
        self.x = torch.randn(batch, 1, *input_size)
        self.optimizer = None
        if mode in ("train", "mae"):
            self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=1e-4, weight_decay=0.05)
        self.model.train(mode != "fwd")

    def params(self):
        return sum(p.numel() for p in self.model.parameters())

    def __call__(self):
        if self.mode == "fwd":
            with torch.no_grad():
                self.model(self.x)
            return
        if self.optimizer:
            self.optimizer.zero_grad(set_to_none=False)
        else:
            self.model.zero_grad(set_to_none=False)
        y = self.model(self.x)
        loss = F.mse_loss(y, self.x) if self.mode == "mae" else y.sum()
        loss.backward()
        if self.optimizer:
            self.optimizer.step()


def scopemia_params(scopemia, model, kernel, input_size):
    out = subprocess.run([scopemia, "profile", "--model", model, "--dw-kernel", str(kernel), "--input",
                          "x".join(map(str, input_size)), "--no-timing", "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["params"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="convnext3d_nano")
    ap.add_argument("--kernel", type=int, default=3)
    ap.add_argument("--input", default="16x128x128")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--scopemia", help="path of the scopemia program: assert equal parameter counts")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    input_size = tuple(int(s) for s in a.input.split("x"))
    result = {"model": a.model, "kernel": a.kernel, "input": list(input_size), "batch": a.batch,
              "threads": a.threads, "torch": torch.__version__}
    for mode in ("fwd", "fwdbwd", "train"):
        step = Step(a.model, mode, a.kernel, input_size, a.batch)
        result["params"] = step.params()
        for _ in range(a.warmup):
            step()
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            step()
            times.append(1e3 * (time.perf_counter() - t0))
        result[{"fwd": "forward_ms", "fwdbwd": "forward_backward_ms", "train": "train_step_ms"}[mode]] = \
            statistics.median(times)
    if a.scopemia:
        theirs = scopemia_params(a.scopemia, a.model, a.kernel, input_size)
        assert theirs == result["params"], f"parameter count: replica {result['params']} != scopemia {theirs}"
        result["scopemia_params"] = theirs
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
