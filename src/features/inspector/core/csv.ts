// The tables of the Model Inspector's tabs as CSV (RFC 4180: fields with a comma, quote or line break are
// quoted), one function for every tab, from the same answer the page draws.

import type { ModelToken } from '../../../worker/engine/protocol';
import type { InspectorAnswer } from '../protocol';

type Cell = string | number | undefined;

function field(value: Cell): string {
  if (value === undefined) return '';
  const text = typeof value === 'number' ? String(value) : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function table(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}

/** The token's ID in its tokenizer: the GPT ID, "U+0105" for 'char', "byte C5" for a byte piece. */
export function externalId(token: ModelToken): string | undefined {
  if (token.gptId !== undefined) return String(token.gptId);
  if (token.codePoint !== undefined) return `U+${token.codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  if (token.byteHex !== undefined) return `byte ${token.byteHex}`;
  return undefined;
}

const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

export function answerCsv(answer: InspectorAnswer): string {
  switch (answer.view) {
    case 'embeddings': {
      const d = answer.rows[0]?.token.length ?? 0;
      return table(
        ['position', 'token', 'model_id', 'tokenizer_id', 'token_norm', 'position_norm', 'sum_norm', 'cos_token_sum', 'cos_position_sum', ...numbered('token_', d), ...numbered('position_', d), ...numbered('sum_', d)],
        answer.rows.map((r, i) => {
          const t = answer.tokens[i];
          return [r.position, t.label, t.id, externalId(t), r.tokenNorm, r.positionNorm, r.sumNorm, r.tokenCosine, r.positionCosine, ...r.token, ...r.positionRow, ...r.sum];
        }),
      );
    }
    case 'nearest':
      return table(
        ['rank', 'token', 'model_id', 'tokenizer_id', 'cosine'],
        answer.neighbours.map((n, i) => [i + 1, n.label, n.id, externalId(n), n.cosine]),
      );
    case 'analogy':
      return table(
        ['rank', 'token', 'model_id', 'tokenizer_id', 'cosine'],
        answer.answers.map((n, i) => [i + 1, n.label, n.id, externalId(n), n.cosine]),
      );
    case 'architecture':
      return table(
        ['box', 'kind', 'layer', 'parameters', 'share', 'bytes_float32', 'flops_per_token', 'activation', 'tied_to'],
        answer.architecture.boxes.map((b) => [b.id, b.kind, b.layer, b.parameters, b.share, b.bytes, b.flopsPerToken, b.activation.join('x'), b.tiedTo]),
      );
    case 'compare': {
      const n = Math.max(answer.before.length, answer.after.length);
      return table(
        ['rank', 'before_token', 'before_model_id', 'before_cosine', 'after_token', 'after_model_id', 'after_cosine'],
        Array.from({ length: n }, (_, i) => {
          const b = answer.before[i];
          const a = answer.after[i];
          return [i + 1, b?.label, b?.id, b?.cosine, a?.label, a?.id, a?.cosine];
        }),
      );
    }
  }
}
