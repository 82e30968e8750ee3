/** Rejects option names a computation does not read, so a misspelt option is not silently ignored. */
export function rejectUnknownOptions(options: Record<string, unknown>, known: readonly string[], what: string): void {
  const unknown = Object.keys(options).filter((name) => !known.includes(name));
  if (unknown.length === 0) return;

  const names = unknown.map((name) => `"${name}"`).join(', ');
  const reads = known.length > 0 ? `this computation reads ${known.join(', ')}` : 'this computation takes no options, so remove them';
  throw new RangeError(`${what}: unknown option(s) ${names}; ${reads}`);
}
