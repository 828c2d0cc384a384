// Seeded random numbers: mulberry32 for uniforms, Box-Muller for normals. Every place in the engine that
// needs randomness (weight initialisation, batches, dropout, sampling) takes an Rng, so a seed reproduces
// a run exactly, and `state`/`fromState` let a resumed training run continue the same sequence.
//
// mulberry32 is counter-based: its j-th number (from 0) is a fixed mix of seed + (j + 1) · 0x6d2b79f5
// (mod 2³²), nothing else. So a GPU shader can draw number j of a stream without the ones before it, and
// draw the same numbers as this class (the dropout masks of backends/webgpuKernels.ts do).

import { isDropoutRate } from './dropoutRate';

/** Everything needed to continue a generator exactly where it stopped (JSON-serialisable). */
export interface RngState {
  /** mulberry32's 32-bit state, as an unsigned integer. */
  a: number;
  /** The second normal of the last Box-Muller pair, not yet handed out (null when none is waiting). */
  spare: number | null;
}

/** The smallest 32-bit value of a kept one in a dropout mask of this rate: next() ≥ rate ⇔ bits ≥ this. */
export function keepThreshold(rate: number): number {
  return Math.ceil(rate * 4294967296);
}

export class Rng {
  private a: number;
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    // Any number is accepted; its low 32 bits (after truncation) are the seed.
    this.a = Math.trunc(seed) >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    let t = (this.a = (this.a + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * A dropout mask: out[j] = scale where the j-th next number is ≥ rate (kept, probability 1 − rate),
   * else 0; the generator moves on by out.length numbers. The same as out.length calls of next(), in one
   * loop over the 32-bit values compared with keepThreshold(rate).
   */
  fillMask(out: Float32Array, rate: number, scale: number): void {
    if (!isDropoutRate(rate)) throw new RangeError(`Rng.fillMask needs a rate in [0, 1), got ${rate}`);
    const threshold = keepThreshold(rate);
    let a = this.a;
    for (let j = 0; j < out.length; j++) {
      let t = (a = (a + 0x6d2b79f5) >>> 0);
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out[j] = (t ^ (t >>> 14)) >>> 0 >= threshold ? scale : 0;
    }
    this.a = a;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new RangeError(`Rng.int needs a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** A standard normal number (mean 0, standard deviation 1), by Box-Muller; pairs are used in turn. */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.next(); // log(0) is -Infinity
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A snapshot of the generator; `Rng.fromState(rng.state)` continues the same sequence. */
  get state(): RngState {
    return { a: this.a, spare: this.spare };
  }

  static fromState(state: RngState): Rng {
    if (
      typeof state !== 'object' ||
      state === null ||
      !Number.isInteger(state.a) ||
      state.a < 0 ||
      state.a > 0xffffffff ||
      !(state.spare === null || state.spare === undefined || Number.isFinite(state.spare))
    ) {
      throw new Error(`Invalid random-number generator state: ${JSON.stringify(state)}`);
    }
    const rng = new Rng(0);
    rng.a = state.a >>> 0;
    rng.spare = state.spare ?? null;
    return rng;
  }
}
