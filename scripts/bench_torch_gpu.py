"""PyTorch eager reference for `npm run bench:gpu` (scripts/bench-gpu.mjs).

The model, initialisation and optimiser of ../shared/bench/torch_baseline.py (pre-LayerNorm GPT
block, exact GELU, learned positions, tied embeddings, AdamW, gradient clipping), with the device
and the configuration as arguments, so that the same configuration the engine runs can be timed on
the same GPU. float32 throughout (TF32 off), no torch.compile: PyTorch eager.

Usage: bench_torch_gpu.py CORPUS --device cuda --layers 6 --heads 6 --dim 384 --context 256 \
         --batch 64 --steps 20 --warmup 3
Prints one JSON line: {"tokensPerSecond": ..., "device": ..., ...}."""
import argparse, json, math, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('corpus')
p.add_argument('--device', default='cuda')
p.add_argument('--layers', type=int, default=6)
p.add_argument('--heads', type=int, default=6)
p.add_argument('--dim', type=int, default=384)
p.add_argument('--context', type=int, default=256)
p.add_argument('--batch', type=int, default=64)
p.add_argument('--steps', type=int, default=20)
p.add_argument('--warmup', type=int, default=3)
p.add_argument('--threads', type=int, default=0)
a = p.parse_args()

dev = torch.device(a.device)
if a.threads: torch.set_num_threads(a.threads)
torch.backends.cuda.matmul.allow_tf32 = False  # the engine computes in plain float32
torch.backends.cudnn.allow_tf32 = False
torch.manual_seed(1337)
text = open(a.corpus, encoding='utf-8').read()
chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
train = data[:int(0.9 * len(data))]
V, T, B, L, H, D = len(chars), a.context, a.batch, a.layers, a.heads, a.dim

class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.ln1 = nn.LayerNorm(D); s.qkv = nn.Linear(D, 3 * D); s.proj = nn.Linear(D, D)
        s.ln2 = nn.LayerNorm(D); s.fc = nn.Linear(D, 4 * D); s.fc2 = nn.Linear(4 * D, D)
        s.register_buffer('mask', torch.ones(T, T, dtype=torch.bool).triu(1), persistent=False)
    def forward(s, x):
        b, t, _ = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(D, 2)
        q, k, v = [z.view(b, t, H, D // H).transpose(1, 2) for z in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D // H)
        att = att.masked_fill(s.mask[:t, :t], float('-inf'))
        y = att.softmax(-1) @ v
        x = x + s.proj(y.transpose(1, 2).reshape(b, t, D))
        return x + s.fc2(F.gelu(s.fc(s.ln2(x))))

class GPT(nn.Module):
    def __init__(s):
        super().__init__(); s.wte = nn.Embedding(V, D); s.wpe = nn.Embedding(T, D)
        s.blocks = nn.ModuleList(Block() for _ in range(L)); s.lnf = nn.LayerNorm(D)
    def forward(s, idx):
        x = s.wte(idx) + s.wpe(torch.arange(idx.shape[1], device=idx.device))
        for blk in s.blocks: x = blk(x)
        return s.lnf(x) @ s.wte.weight.T

def batch():
    ix = torch.randint(len(train) - T - 1, (B,))
    x = torch.stack([train[i:i + T] for i in ix]); y = torch.stack([train[i + 1:i + T + 1] for i in ix])
    return x.to(dev, non_blocking=True), y.to(dev, non_blocking=True)

m = GPT().to(dev)
for name, q in m.named_parameters():
    if q.dim() == 2: nn.init.normal_(q, 0.0, 0.02 / math.sqrt(2 * L) if name.endswith(('proj.weight', 'fc2.weight')) else 0.02)
    elif name.endswith('bias'): nn.init.zeros_(q)
opt = torch.optim.AdamW(m.parameters(), lr=1e-3, betas=(0.9, 0.99), weight_decay=0.1)

def step():
    x, y = batch(); loss = F.cross_entropy(m(x).view(-1, V), y.view(-1))
    opt.zero_grad(set_to_none=True); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
    return loss

def sync():
    if dev.type == 'cuda': torch.cuda.synchronize()

t0 = time.time()
for _ in range(a.warmup): step()
sync(); first = time.time() - t0
t0 = time.time()
for _ in range(a.steps): loss = step()
loss = loss.item(); sync(); dt = time.time() - t0
name = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else 'CPU (%d threads)' % torch.get_num_threads()
print(json.dumps({
    'backend': 'pytorch', 'device': name, 'torch': torch.__version__, 'params': sum(q.numel() for q in m.parameters()),
    'steps': a.steps, 'seconds': dt, 'warmupSeconds': first, 'tokensPerSecond': a.steps * B * T / dt, 'loss': loss,
}))
