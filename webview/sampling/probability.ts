// The colour class of a token by the probability the model gave it (the lab's generated text, the compared
// runs and the logit lens share it; style.css gives each class a theme colour).

/** Lower bounds of the classes, highest first. */
const BOUNDS: readonly [number, string][] = [
  [0.5, 'p-top'],
  [0.1, 'p-high'],
  [0.01, 'p-mid'],
];

export function probabilityClass(prob: number): string {
  for (const [bound, name] of BOUNDS) if (prob >= bound) return name;
  return 'p-low';
}
