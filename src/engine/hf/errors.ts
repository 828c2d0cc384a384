import { UserError } from '../errors';

/** What is wrong with a Hugging Face folder or one of its files; the message is "<file>: <what is wrong>". */
export class HfFormatError extends UserError {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'HfFormatError';
  }
}
