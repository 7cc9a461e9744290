"""Build the reference fixtures for the VAE and umT5 parity tests (not part of CI).

Runs diffusers' AutoencoderKLWan and transformers' UMT5EncoderModel with tiny random configs,
converts their weights to the OFFICIAL Wan key layouts (Wan2.1_VAE.pth and
models_t5_umt5-xxl-enc-bf16.pth), and saves weights + inputs + outputs to
model/tests/fixtures/*.safetensors (fixture tensors under the `fixture.` prefix).

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch diffusers transformers safetensors
    /tmp/venv/bin/python model/scripts/fixtures_vae_t5.py

The configs here must match the ones in model/tests/parity_vae.rs and parity_t5.rs.
"""

import os
import re

import torch
from diffusers import AutoencoderKLWan
from safetensors.torch import save_file
from transformers import UMT5Config, UMT5EncoderModel

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
torch.manual_seed(0)


def randomize(model):
    """Random weights everywhere (the default init leaves norms at 1 and biases at 0)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("gamma") or (p.ndim == 1 and "norm" in name):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            elif "embed" in name or "relative_attention_bias" in name:
                p.copy_(torch.randn_like(p))
            else:
                fan_in = p[0].numel()
                p.copy_(torch.randn_like(p) / fan_in**0.5)


# ---------------------------------------------------------------- VAE

def vae_key(k, num_res_blocks):
    """diffusers AutoencoderKLWan key -> official Wan2.1_VAE.pth key."""
    k = re.sub(r"^quant_conv\.", "conv1.", k)
    k = re.sub(r"^post_quant_conv\.", "conv2.", k)
    k = re.sub(r"^(encoder|decoder)\.conv_in\.", r"\1.conv1.", k)
    k = re.sub(r"^(encoder|decoder)\.norm_out\.", r"\1.head.0.", k)
    k = re.sub(r"^(encoder|decoder)\.conv_out\.", r"\1.head.2.", k)
    k = re.sub(r"\.mid_block\.resnets\.0\.", ".middle.0.", k)
    k = re.sub(r"\.mid_block\.attentions\.0\.", ".middle.1.", k)
    k = re.sub(r"\.mid_block\.resnets\.1\.", ".middle.2.", k)
    k = re.sub(r"^encoder\.down_blocks\.", "encoder.downsamples.", k)
    per = num_res_blocks + 2  # resnets + upsampler per up block

    def up(m):
        i, kind, j = int(m.group(1)), m.group(2), int(m.group(3))
        n = i * per + (j if kind == "resnets" else num_res_blocks + 1)
        return f"decoder.upsamples.{n}."

    k = re.sub(r"^decoder\.up_blocks\.(\d+)\.(resnets|upsamplers)\.(\d+)\.", up, k)
    # residual block internals
    k = re.sub(r"((?:downsamples|upsamples|middle)\.\d+)\.norm1\.", r"\1.residual.0.", k)
    k = re.sub(r"((?:downsamples|upsamples|middle)\.\d+)\.conv1\.", r"\1.residual.2.", k)
    k = re.sub(r"((?:downsamples|upsamples|middle)\.\d+)\.norm2\.", r"\1.residual.3.", k)
    k = re.sub(r"((?:downsamples|upsamples|middle)\.\d+)\.conv2\.", r"\1.residual.6.", k)
    k = re.sub(r"((?:downsamples|upsamples|middle)\.\d+)\.conv_shortcut\.", r"\1.shortcut.", k)
    return k


def vae_fixture(name, cfg, video_shape, latent_shape):
    model = AutoencoderKLWan(**cfg).eval()
    randomize(model)
    sd = {vae_key(k, cfg["num_res_blocks"]): v.detach().contiguous() for k, v in model.state_dict().items()}
    video = torch.rand(video_shape) * 2 - 1
    z = torch.randn(latent_shape)
    with torch.no_grad():
        moments = model._encode(video)
        mu, logvar = moments.chunk(2, dim=1)
        mean = torch.tensor(cfg["latents_mean"]).view(1, -1, 1, 1, 1)
        std = torch.tensor(cfg["latents_std"]).view(1, -1, 1, 1, 1)
        decoded = model.decode(z).sample
    sd.update({
        "fixture.video": video,
        "fixture.mu": mu.contiguous(),
        "fixture.logvar": logvar.contiguous(),
        "fixture.mu_normalized": ((mu - mean) / std).contiguous(),
        "fixture.z": z,
        "fixture.decoded": decoded.contiguous(),
    })
    path = os.path.join(OUT, f"{name}.safetensors")
    save_file(sd, path)
    print(path, os.path.getsize(path), "bytes;", "decoded", tuple(decoded.shape), "mu", tuple(mu.shape))


WAN_MEAN = [
    -0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
    0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921]
WAN_STD = [2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
           3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160]

# The Wan2.1 topology (8x spatial, downsample2d then two downsample3d) with a tiny base_dim.
vae_fixture("wan_vae_tiny", dict(base_dim=4, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=1,
                                 attn_scales=[], temperal_downsample=[False, True, True],
                                 latents_mean=WAN_MEAN, latents_std=WAN_STD),
            (1, 3, 9, 16, 16), (1, 16, 3, 2, 2))
# The cine-tiny topology (4x spatial, two downsample3d).
vae_fixture("wan_vae_cine_tiny", dict(base_dim=4, z_dim=16, dim_mult=[1, 2, 4], num_res_blocks=1,
                                      attn_scales=[], temperal_downsample=[True, True],
                                      latents_mean=WAN_MEAN, latents_std=WAN_STD),
            (1, 3, 9, 16, 16), (1, 16, 3, 4, 4))

# ---------------------------------------------------------------- umT5


def t5_key(k):
    """transformers UMT5EncoderModel key -> models_t5_umt5-xxl-enc-bf16.pth key."""
    k = k.replace("encoder.embed_tokens.", "token_embedding.").replace("shared.", "token_embedding.")
    k = k.replace("encoder.final_layer_norm.", "norm.")
    k = re.sub(r"^encoder\.block\.(\d+)\.", r"blocks.\1.", k)
    k = k.replace(".layer.0.SelfAttention.relative_attention_bias.", ".pos_embedding.embedding.")
    k = k.replace(".layer.0.SelfAttention.", ".attn.")
    k = k.replace(".layer.0.layer_norm.", ".norm1.")
    k = k.replace(".layer.1.DenseReluDense.wi_0.", ".ffn.gate.0.")
    k = k.replace(".layer.1.DenseReluDense.wi_1.", ".ffn.fc1.")
    k = k.replace(".layer.1.DenseReluDense.wo.", ".ffn.fc2.")
    k = k.replace(".layer.1.layer_norm.", ".norm2.")
    return k


cfg = UMT5Config(vocab_size=64, d_model=32, d_kv=8, num_heads=4, d_ff=48, num_layers=2,
                 relative_attention_num_buckets=32, relative_attention_max_distance=128,
                 feed_forward_proj="gated-gelu", dropout_rate=0.0, layer_norm_epsilon=1e-6)
t5 = UMT5EncoderModel(cfg).eval()
randomize(t5)
sd = {}
for k, v in t5.state_dict().items():
    nk = t5_key(k)
    if nk in sd:  # shared / embed_tokens are tied
        continue
    sd[nk] = v.detach().contiguous()
L = 40
ids = torch.randint(1, 64, (2, L))
mask = torch.ones(2, L, dtype=torch.long)
mask[1, 25:] = 0
ids[1, 25:] = 0
with torch.no_grad():
    hidden = t5(input_ids=ids, attention_mask=mask).last_hidden_state
hidden = hidden * mask[..., None]  # Wan zeroes (drops) the padding positions
fixture = dict(sd)
fixture.update({"fixture.ids": ids.to(torch.int64), "fixture.mask": mask.to(torch.int64),
                "fixture.hidden": hidden.contiguous()})
path = os.path.join(OUT, "umt5_tiny.safetensors")
save_file(fixture, path)
print(path, os.path.getsize(path), "bytes; keys", sorted(sd)[:6], "...")
torch.save(sd, os.path.join(OUT, "umt5_tiny.pth"))
print(os.path.join(OUT, "umt5_tiny.pth"), os.path.getsize(os.path.join(OUT, "umt5_tiny.pth")), "bytes")
