// Option helpers shared by the commands.
import { ConfigError } from '../config';

/**
 * A coerce for an option that takes one value: yargs collects a repeated
 * option into an array, which would reach the code as the wrong type, and
 * reads a flag given without its value as '' (or NaN for numbers).
 */
export function once<T>(name: string) {
  return (value: T | T[]): T => {
    if (Array.isArray(value)) {
      throw new ConfigError(
        `--${name} was given ${value.length} times (${value.join(', ')}); ` +
          'give it once',
      );
    }
    if (
      (typeof value === 'string' && value.trim() === '') ||
      (typeof value === 'number' && Number.isNaN(value))
    ) {
      throw new ConfigError(`--${name} needs a value`);
    }
    return value;
  };
}
