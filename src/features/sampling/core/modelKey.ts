// Which model an answer of the engine worker came from.

/** What tells two answers about the worker's model apart: its folder and step (a new object comes with every status). */
export function modelKey(model: { dir?: string; step: number } | undefined): string | undefined {
  return model ? `${model.dir ?? ''}#${model.step}` : undefined;
}
