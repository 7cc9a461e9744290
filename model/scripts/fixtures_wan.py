"""Build the reference fixture for the DiT parity test (not part of CI).

Runs diffusers' WanTransformer3DModel with a tiny random config, converts its weights to the
OFFICIAL Wan2.1 key layout (the inverse of diffusers' scripts/convert_wan_to_diffusers.py) and
saves weights + inputs + outputs to model/tests/fixtures/wan_tiny.safetensors (fixture tensors
under the `fixture.` prefix). The same weights are also written as a Self-Forcing style
PyTorch checkpoint (`{"generator": {"model.<name>": ...}, "generator_ema": <one tensor>}`) to
wan_tiny_sf.pt, to test the .pt loader.

    /work/venv-fixtures/bin/python model/scripts/fixtures_wan.py   # torch, diffusers, safetensors

The config here must match `parity_config()` in model/tests/parity_wan.rs.
"""

import os
import re

import torch
from diffusers import WanTransformer3DModel
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
torch.manual_seed(0)

CFG = dict(
    patch_size=(1, 2, 2),
    num_attention_heads=2,
    attention_head_dim=24,
    in_channels=16,
    out_channels=16,
    text_dim=32,
    freq_dim=32,
    ffn_dim=64,
    num_layers=2,
    cross_attn_norm=True,
    qk_norm="rms_norm_across_heads",
    eps=1e-6,
)

# diffusers name -> official Wan2.1 name (applied in order, first match wins).
RENAMES = [
    (r"^condition_embedder\.time_embedder\.linear_1\.", "time_embedding.0."),
    (r"^condition_embedder\.time_embedder\.linear_2\.", "time_embedding.2."),
    (r"^condition_embedder\.text_embedder\.linear_1\.", "text_embedding.0."),
    (r"^condition_embedder\.text_embedder\.linear_2\.", "text_embedding.2."),
    (r"^condition_embedder\.time_proj\.", "time_projection.1."),
    (r"^scale_shift_table$", "head.modulation"),
    (r"^proj_out\.", "head.head."),
    (r"^patch_embedding\.", "patch_embedding."),
    (r"^blocks\.(\d+)\.scale_shift_table$", r"blocks.\1.modulation"),
    (r"^blocks\.(\d+)\.ffn\.net\.0\.proj\.", r"blocks.\1.ffn.0."),
    (r"^blocks\.(\d+)\.ffn\.net\.2\.", r"blocks.\1.ffn.2."),
    # diffusers norm2 is the (affine) cross-attention norm, the official norm3.
    (r"^blocks\.(\d+)\.norm2\.", r"blocks.\1.norm3."),
    (r"^blocks\.(\d+)\.attn1\.to_out\.0\.", r"blocks.\1.self_attn.o."),
    (r"^blocks\.(\d+)\.attn1\.to_([qkv])\.", r"blocks.\1.self_attn.\2."),
    (r"^blocks\.(\d+)\.attn1\.norm_([qk])\.", r"blocks.\1.self_attn.norm_\2."),
    (r"^blocks\.(\d+)\.attn2\.to_out\.0\.", r"blocks.\1.cross_attn.o."),
    (r"^blocks\.(\d+)\.attn2\.to_([qkv])\.", r"blocks.\1.cross_attn.\2."),
    (r"^blocks\.(\d+)\.attn2\.norm_([qk])\.", r"blocks.\1.cross_attn.norm_\2."),
]


def official_name(name):
    for pat, rep in RENAMES:
        if re.search(pat, name):
            return re.sub(pat, rep, name)
    raise KeyError(f"no official name for diffusers tensor {name}")


def randomize(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight") and p.ndim == 1:
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            elif "scale_shift_table" in name:
                p.copy_(torch.randn_like(p) / p.shape[-1] ** 0.5)
            else:
                p.copy_(torch.randn_like(p) / p[0].numel() ** 0.5)


def main():
    model = WanTransformer3DModel(**CFG).eval()
    randomize(model)
    b, c, f, h, w = 1, 16, 4, 8, 8
    x = torch.randn(b, c, f, h, w)
    context = torch.randn(b, 7, CFG["text_dim"])
    tokens = (h // 2) * (w // 2)
    t_frames = torch.tensor([[937.5, 937.5, 250.0, 0.0]])
    with torch.no_grad():
        out_scalar = model(x, torch.tensor([500.0]), context, return_dict=False)[0]
        # Per-frame timesteps (Self-Forcing style) via diffusers' per-token timestep path.
        t_tokens = t_frames.repeat_interleave(tokens, dim=1)
        out_frames = model(x, t_tokens, context, return_dict=False)[0]

    weights = {official_name(k): v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    assert len(weights) == len(model.state_dict())
    fixture = {
        "fixture.x": x,
        "fixture.context": context,
        "fixture.t_scalar": torch.full((b, f), 500.0),
        "fixture.out_scalar": out_scalar,
        "fixture.t_frames": t_frames,
        "fixture.out_frames": out_frames,
    }
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "wan_tiny.safetensors")
    save_file({**weights, **{k: v.contiguous() for k, v in fixture.items()}}, path)
    sf = {"model." + k: v for k, v in weights.items()}
    # A stand-in EMA dict (kept tiny): loading it must fail with a named missing tensor.
    ema = {"model.patch_embedding.weight": weights["patch_embedding.weight"].clone()}
    pt = os.path.join(OUT, "wan_tiny_sf.pt")
    torch.save({"generator": sf, "generator_ema": ema}, pt)
    for p in (path, pt):
        print(p, os.path.getsize(p), "bytes")
    print("out_scalar std", out_scalar.std().item(), "out_frames std", out_frames.std().item())


if __name__ == "__main__":
    main()
