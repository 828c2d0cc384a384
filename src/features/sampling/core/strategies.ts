// The strategies of lmExplorer.sampling.compareStrategies that the lab can run.

import { DEFAULT_STRATEGIES, type Strategy } from '../../../engine/sampling/compare';

export /** The strategies of the setting that are usable; the defaults when none is. */
function cleanStrategies(value: unknown): Strategy[] {
  const list = Array.isArray(value) ? value : [];
  const ok = list.filter(
    (s): s is Strategy =>
      typeof s === 'object' &&
      s !== null &&
      typeof s.temperature === 'number' &&
      s.temperature >= 0 &&
      s.temperature <= 2 &&
      (s.topK === undefined || (Number.isInteger(s.topK) && s.topK >= 0)) &&
      (s.topP === undefined || (typeof s.topP === 'number' && s.topP > 0 && s.topP <= 1)),
  );
  return (ok.length ? ok : DEFAULT_STRATEGIES).map((s) => ({ ...s }));
}
