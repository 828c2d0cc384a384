"""PyTorch reference for `npm run bench:quality`: a character-level GPT (pre-LayerNorm blocks, tied
embeddings, dropout 0.2 as in nanoGPT's small Shakespeare runs, AdamW, warm-up and cosine decay) trained
on exactly the engine's split, for a fixed wall time, on the CPU. The validation loss is computed over the
whole validation part (each character once) every EVAL steps; the best one is reported, in nats per
character and in bits per byte of the validation text.

Usage: bench_quality_torch.py TRAIN_FILE VAL_FILE SECONDS [threads]
Prints one JSON line."""
import json, math, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

train_path, val_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 2)
torch.manual_seed(1337)
train_bytes, val_bytes = open(train_path, 'rb').read(), open(val_path, 'rb').read()
train_text = train_bytes.decode('utf-8', errors='replace')
val_text = val_bytes.decode('utf-8', errors='replace')
chars = sorted(set(train_text) | set(val_text))
stoi = {c: i for i, c in enumerate(chars)}
train = torch.tensor([stoi[c] for c in train_text], dtype=torch.long)
val = torch.tensor([stoi[c] for c in val_text], dtype=torch.long)
V, T, B, L, H, D, DROPOUT = len(chars), 64, 16, 4, 4, 128, 0.2
LR, MIN_LR, WARMUP, EVAL = 1e-3, 1e-4, 100, 50


class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.ln1 = nn.LayerNorm(D); s.qkv = nn.Linear(D, 3 * D); s.proj = nn.Linear(D, D)
        s.ln2 = nn.LayerNorm(D); s.fc = nn.Linear(D, 4 * D); s.fc2 = nn.Linear(4 * D, D)
        s.drop = nn.Dropout(DROPOUT)

    def forward(s, x):
        b, t, _ = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(D, 2)
        q, k, v = [z.view(b, t, H, D // H).transpose(1, 2) for z in (q, k, v)]
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=DROPOUT if s.training else 0.0)
        x = x + s.drop(s.proj(y.transpose(1, 2).reshape(b, t, D)))
        return x + s.drop(s.fc2(F.gelu(s.fc(s.ln2(x)))))


class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte = nn.Embedding(V, D); s.wpe = nn.Embedding(T, D); s.drop = nn.Dropout(DROPOUT)
        s.blocks = nn.ModuleList(Block() for _ in range(L)); s.lnf = nn.LayerNorm(D)

    def forward(s, idx):
        x = s.drop(s.wte(idx) + s.wpe(torch.arange(idx.shape[1])))
        for blk in s.blocks: x = blk(x)
        return s.lnf(x) @ s.wte.weight.T


def batch():
    ix = torch.randint(len(train) - T - 1, (B,))
    return torch.stack([train[i:i + T] for i in ix]), torch.stack([train[i + 1:i + T + 1] for i in ix])


def val_loss(m):
    """Mean loss over the whole validation part, rows of T one after another (the last one ends at the end)."""
    m.eval()
    starts = list(range(0, len(val) - T - 1 + 1, T))
    covered = starts[-1] + T
    tail = len(val) - 1 - covered
    if tail > 0: starts.append(len(val) - T - 1)
    total, count = 0.0, 0
    with torch.no_grad():
        for r in range(0, len(starts), 64):
            rows = starts[r:r + 64]
            x = torch.stack([val[s:s + T] for s in rows]); y = torch.stack([val[s + 1:s + T + 1] for s in rows])
            losses = F.cross_entropy(m(x).reshape(-1, V), y.reshape(-1), reduction='none').view(len(rows), T)
            for j, s in enumerate(rows):
                keep = losses[j] if not (tail > 0 and s == len(val) - T - 1) else losses[j, T - tail:]
                total += keep.sum().item(); count += keep.numel()
    m.train()
    return total / count


m = GPT()
for name, p in m.named_parameters():
    if p.dim() == 2: nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * L) if name.endswith(('proj.weight', 'fc2.weight')) else 0.02)
    elif name.endswith('bias'): nn.init.zeros_(p)
decay = [p for p in m.parameters() if p.dim() >= 2]; no_decay = [p for p in m.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': no_decay, 'weight_decay': 0.0}], lr=LR, betas=(0.9, 0.99))
# The schedule needs a length: steps are estimated from the first 20 steps' pace and the time budget.
t0 = time.time(); step = 0; total_steps = None; best = (math.inf, 0); evals = []
while time.time() - t0 < seconds:
    if step == 20: total_steps = max(WARMUP + 1, int(seconds / ((time.time() - t0) / 20)))
    n = total_steps or 10 ** 9
    lr = LR * (step + 1) / WARMUP if step < WARMUP else MIN_LR + 0.5 * (1 + math.cos(math.pi * min(1.0, (step - WARMUP) / max(1, n - WARMUP)))) * (LR - MIN_LR)
    for g in opt.param_groups: g['lr'] = lr
    x, y = batch(); loss = F.cross_entropy(m(x).view(-1, V), y.view(-1))
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
    step += 1
    if step % EVAL == 0:
        v = val_loss(m); evals.append((step, v))
        if v < best[0]: best = (v, step)
v = val_loss(m)
if v < best[0]: best = (v, step)
bpb = lambda loss: loss * len(val) / (len(val_bytes) * math.log(2))
print(json.dumps({'steps': step, 'seconds': time.time() - t0, 'vocab': V, 'params': sum(p.numel() for p in m.parameters()),
                  'bestValLoss': best[0], 'bestStep': best[1], 'bestBitsPerByte': bpb(best[0]), 'lastValLoss': v, 'lastBitsPerByte': bpb(v),
                  'valChars': len(val), 'valBytes': len(val_bytes)}))
