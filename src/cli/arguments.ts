import { InvalidArgumentError } from 'commander';

/**
 * A commander option parser for a count: a whole number from 1 to `max` (`--limit`), or with
 * `unit` instead, any whole number of that unit from 1 up (`--expires-in-days`). Anything else is
 * refused before the command runs, with the range in the message. One parser, so that every
 * command's counts accept and refuse the same things.
 */
export function wholeNumber(range: { max: number } | { unit: string }): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if ('max' in range) {
      if (!Number.isInteger(number) || number < 1 || number > range.max) throw new InvalidArgumentError(`must be a whole number from 1 to ${range.max}.`);
    } else if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`must be a whole number of ${range.unit}, 1 or more.`);
    return number;
  };
}
