// The Python files of an exported folder: the tokenizer loader (tokenizerFiles.ts says why a GPT-encoding
// model needs one) and train_hf.py, which continues training with transformers' Trainer. Both need only
// torch, transformers and tokenizers, run on Python 3.9+, and execute nothing from the folder but themselves.

/** lmx_tokenizer.py: the model's own token IDs from the tokenizers library, for every kind of vocabulary. */
export const TOKENIZER_LOADER_PY = String.raw`"""The tokenizer of a model exported by LM Explorer: text <-> the model's own token IDs.

    from lmx_tokenizer import LmxTokenizer
    tok = LmxTokenizer("path/to/folder")
    ids = tok.encode("Zażółć gęślą jaźń")    # the model's IDs, as LM Explorer gives them
    text = tok.decode(ids)

A model on LM Explorer's 'char' tokenizer also has an exact tokenizer.json (AutoTokenizer loads it). A model on
a GPT encoding keeps only the GPT tokens its notes used often, and spells every other token in byte tokens; no
tokenizer.json can express that second step, so this file does it: lmx-encoding.json (the GPT encoding, for the
tokenizers library) gives GPT IDs, and lmx-vocab.json maps them to model IDs. (AutoTokenizer refuses such a
folder with an error: its tokenizer_config.json names this class, which transformers does not have.)
"""
import json
import os

from tokenizers import Tokenizer

UNK, SEP, FIRST_BYTE, BYTE_TOKENS = 0, 1, 2, 256


def _byte_decoder():
    printable = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in printable:
            table[chr(b)] = b
        else:
            table[chr(256 + extra)] = b
            extra += 1
    return table


class LmxTokenizer:
    def __init__(self, folder):
        self._exact = None
        vocab_file = os.path.join(folder, "lmx-vocab.json")
        if not os.path.exists(vocab_file):
            # a model imported into LM Explorer: its own tokenizer.json, whose IDs are the model's
            self._exact = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
            self.kind, self.vocab_size, self.sep_token_id = "hf", self._exact.get_vocab_size(), None
            return
        with open(vocab_file, encoding="utf-8") as f:
            vocab = json.load(f)
        self.kind = vocab["tokenizer"]
        self.byte_fallback = vocab["version"] == 2
        first = 2 + (BYTE_TOKENS if self.byte_fallback else 0)
        self.external = list(vocab["tokens"])
        self.model_id = {ext: first + i for i, ext in enumerate(self.external)}
        self.first_token = first
        self.vocab_size = first + len(self.external) + (1 if vocab.get("mask") else 0)
        self.sep_token_id = SEP
        if self.kind == "char":
            self._exact = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        else:
            self._encoding = Tokenizer.from_file(os.path.join(folder, "lmx-encoding.json"))
            to_byte = _byte_decoder()
            self._gpt_bytes = {i: bytes(to_byte[c] for c in t) for t, i in self._encoding.get_vocab().items()}

    def encode(self, text):
        if self._exact is not None:
            return self._exact.encode(text).ids
        ids = []
        for gpt_id in self._encoding.encode(text).ids:
            model_id = self.model_id.get(gpt_id)
            if model_id is not None:
                ids.append(model_id)
            elif self.byte_fallback:
                ids.extend(FIRST_BYTE + b for b in self._gpt_bytes[gpt_id])
            else:
                ids.append(UNK)
        return ids

    def token_bytes(self, model_id):
        if self.kind == "hf":
            return self._exact.decode([model_id]).encode("utf-8")
        if self.byte_fallback and FIRST_BYTE <= model_id < FIRST_BYTE + BYTE_TOKENS:
            return bytes([model_id - FIRST_BYTE])
        if model_id < self.first_token or model_id >= self.vocab_size:
            return b""
        ext = self.external[model_id - self.first_token]
        return chr(ext).encode("utf-8") if self.kind == "char" else self._gpt_bytes[ext]

    def decode(self, ids):
        if self.kind == "hf":
            return self._exact.decode(ids)
        return b"".join(self.token_bytes(i) for i in ids).decode("utf-8", errors="replace")
`;

/** train_hf.py: continues training the exported model on a folder of text files. */
export const TRAIN_SCRIPT_PY = String.raw`"""Continue training this model (exported by LM Explorer) on a folder of text files, with transformers' Trainer.

One CPU or GPU:            python train_hf.py NOTES_DIR --out trained
Several GPUs or machines:  accelerate launch train_hf.py NOTES_DIR --out trained
                           torchrun --nproc_per_node 8 train_hf.py NOTES_DIR --out trained
The script is the same everywhere: Trainer picks the device and the distributed setup from the launcher.
--out receives a folder in the same format as this one: LM Explorer opens it again with Load Model…
(or: lmx import --from-hf trained). Needs: pip install torch transformers tokenizers (accelerate for
accelerate launch).
"""
import argparse
import json
import math
import os
import shutil
import sys

import torch
from transformers import GPT2LMHeadModel, Trainer, TrainerCallback, TrainingArguments

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lmx_tokenizer import LmxTokenizer  # noqa: E402

TEXT_EXTENSIONS = (".md", ".markdown", ".txt", ".rst", ".tex", ".adoc")
TOKENIZER_FILES = ("lmx_tokenizer.py", "lmx-vocab.json", "lmx-encoding.json", "tokenizer.json", "tokenizer_config.json")


def read_documents(folder):
    docs = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(TEXT_EXTENSIONS):
                with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                    text = f.read()
                if text.strip():
                    docs.append(text)
    return docs


class Blocks(torch.utils.data.Dataset):
    """Windows of block_size + 1 tokens over the documents joined by the separator; the model shifts the labels."""

    def __init__(self, ids, block_size, stride):
        self.ids, self.block_size = ids, block_size
        self.starts = list(range(0, max(1, len(ids) - block_size - 1), stride))

    def __len__(self):
        return len(self.starts)

    def __getitem__(self, i):
        window = torch.tensor(self.ids[self.starts[i] : self.starts[i] + self.block_size], dtype=torch.long)
        return {"input_ids": window, "labels": window.clone()}


class PrintLoss(TrainerCallback):
    """One JSON line per logged step on the main process: {"step": …, "loss": …}."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and logs:
            line = {"step": state.global_step, **{k: v for k, v in logs.items() if isinstance(v, (int, float))}}
            print(json.dumps(line), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", help="a folder of text files (.md, .txt, …), searched recursively")
    p.add_argument("--out", required=True, help="where the trained model goes (a new folder)")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=8, help="per device")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--block-size", type=int, default=0, help="tokens per example (default: the model's context length)")
    p.add_argument("--eval-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--log-every", type=int, default=10)
    a = p.parse_args()

    tok = LmxTokenizer(HERE)
    model = GPT2LMHeadModel.from_pretrained(HERE)
    block = a.block_size or model.config.n_positions
    docs = read_documents(a.data)
    if not docs:
        sys.exit(f"{a.data}: no text files ({', '.join(TEXT_EXTENSIONS)})")
    # documents are joined by the separator LM Explorer trained with (an imported model: its end-of-text token)
    sep = tok.sep_token_id if tok.sep_token_id is not None else model.config.eos_token_id
    ids = []
    for i, doc in enumerate(docs):
        if i and sep is not None:
            ids.append(sep)
        ids.extend(tok.encode(doc))
    if len(ids) < 2 * (block + 1):
        sys.exit(f"{a.data}: {len(ids)} tokens, too few for blocks of {block}; add text or lower --block-size")
    cut = int(len(ids) * (1 - a.eval_fraction))
    train, evaluation = Blocks(ids[:cut], block, max(1, block // 2)), Blocks(ids[cut:], block, block)

    args = TrainingArguments(
        output_dir=a.out,
        max_steps=a.steps,
        per_device_train_batch_size=a.batch_size,
        per_device_eval_batch_size=a.batch_size,
        learning_rate=a.lr,
        lr_scheduler_type="cosine",
        warmup_steps=min(100, a.steps // 10),
        weight_decay=0.1,
        logging_steps=a.log_every,
        eval_strategy="steps" if len(evaluation) else "no",
        eval_steps=max(a.log_every, a.steps // 10),
        save_strategy="no",
        report_to=[],
        seed=a.seed,
        bf16=torch.cuda.is_available() and torch.cuda.is_bf16_supported(),
        dataloader_drop_last=False,
        disable_tqdm=True,
    )
    trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=evaluation if len(evaluation) else None, callbacks=[PrintLoss()])
    trainer.train()
    if trainer.is_world_process_zero():
        metrics = trainer.evaluate() if len(evaluation) else {}
        trainer.save_model(a.out)
        for name in TOKENIZER_FILES + ("train_hf.py",):
            if os.path.exists(os.path.join(HERE, name)):
                shutil.copy2(os.path.join(HERE, name), os.path.join(a.out, name))
        loss = metrics.get("eval_loss")
        print(json.dumps({"done": True, "out": a.out, "eval_loss": loss, "perplexity": math.exp(loss) if loss else None}), flush=True)


if __name__ == "__main__":
    main()
`;
