// A small splittable, counter-based random number generator.
//
// Output n of a stream with key k is SplitMix64(k + n·φ) (Steele, Lea and
// Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
// the whole state is (key, counter), so it serialises as two fields and a
// stream can be resumed exactly. Tensors draw their randomness from
// `nextSeed()`, e.g. `tf.randomNormal(shape, 0, 1, 'float32', rng.nextSeed())`.
import { fail } from './validate';

const MASK = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;
const SPLIT_SALT = 0x5a17c0ffee5eed01n;
const TWO_POW_53 = 2 ** 53;

/** The serialisable state of an Rng: a 64-bit key in hex and a counter. */
export interface RngState {
  readonly key: string;
  readonly counter: number;
}

/** A mutable stream of random numbers; every draw advances it. */
export interface Rng {
  /** An integer seed in [0, 2^53) for tf.randomNormal / tf.randomUniform. */
  nextSeed(): number;
  /** A float in [0, 1). */
  uniform(): number;
  /** A child stream drawn from (and advancing) this one. */
  split(): Rng;
  /** A child stream named by label; does not advance this one. */
  fork(label: string): Rng;
  /** The state to resume this stream with `restoreRng`. */
  state(): RngState;
}

/** SplitMix64 finaliser (Steele et al. 2014), a bijection on 64 bits. */
function mix64(value: bigint): bigint {
  let z = value & MASK;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return z ^ (z >> 31n);
}

/** FNV-1a over the UTF-16 code units of label, 64-bit. */
function hashLabel(label: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < label.length; i++) {
    h = ((h ^ BigInt(label.charCodeAt(i))) * 0x100000001b3n) & MASK;
  }
  return h;
}

class SplitMixRng implements Rng {
  constructor(
    private readonly key: bigint,
    private counter: number,
  ) {}

  private next64(): bigint {
    this.counter += 1;
    return mix64(this.key + BigInt(this.counter) * GOLDEN);
  }

  nextSeed(): number {
    return Number(this.next64() >> 11n);
  }

  uniform(): number {
    return this.nextSeed() / TWO_POW_53;
  }

  split(): Rng {
    return new SplitMixRng(mix64(this.next64() ^ SPLIT_SALT), 0);
  }

  fork(label: string): Rng {
    return new SplitMixRng(mix64(this.key ^ mix64(hashLabel(label))), 0);
  }

  state(): RngState {
    return { key: this.key.toString(16), counter: this.counter };
  }
}

/** A fresh stream from a non-negative safe integer seed. */
export function createRng(seed: number): Rng {
  if (!(Number.isSafeInteger(seed) && seed >= 0)) {
    fail('createRng', `seed must be a safe integer >= 0, got ${seed}`);
  }
  return new SplitMixRng(mix64(BigInt(seed) ^ SPLIT_SALT), 0);
}

/** The stream that `rng.state()` described, continuing where it stopped. */
export function restoreRng(state: RngState): Rng {
  const { key, counter } = state;
  if (typeof key !== 'string' || !/^[0-9a-f]{1,16}$/.test(key)) {
    fail('restoreRng', `key must be 1-16 hex digits, got ${key}`);
  }
  if (!(Number.isSafeInteger(counter) && counter >= 0)) {
    fail('restoreRng', `counter must be a safe integer >= 0, got ${counter}`);
  }
  return new SplitMixRng(BigInt(`0x${key}`), counter);
}
